#!/usr/bin/env bash
# GPU smoke test of the paper-scale path: a random-weight SAM vit_h in the official format at 1024 px (64x64 tokens),
# a random BiSeNet, a tiny random diffusers ControlNet pipeline, through the whole predictor (detect, align, parse,
# reference, encode, FE+PS, decode, map back) on the kit's photos, on a CUDA device; prints per-stage latency and
# peak GPU memory (bench/bench_paper.py). Exits 0 with "skipped" where there is no CUDA device.
#   bash scripts/gpu_smoke.sh              (S3POT_SMOKE_SAM=vit_b for a smaller model; S3POT_WHEELS=DIR for offline wheels)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
export HF_HUB_OFFLINE=1 DVC_NO_ANALYTICS=1 S3POT_QUIET=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_smoke: skipped (no CUDA device, or torch is not installed)"; exit 0
fi
# Install only what this machine lacks: the project's requirements (from local wheels when S3POT_WHEELS is set).
if ! "$PY" -c 'import diffusers, transformers, fastcore, segment_anything, cv2, skimage, yaml, pandas' 2>/dev/null; then
  if [ -n "${S3POT_WHEELS:-}" ]; then
    "$PY" -m pip install -q --no-index --no-deps "$S3POT_WHEELS"/*.whl 2>&1 | tail -3
  else
    "$PY" -m pip install -q diffusers==0.42.1 transformers==5.23.0 fastcore==1.12.47 segment-anything==1.0 \
      opencv-python-headless scikit-image pyyaml pandas safetensors 2>&1 | tail -3
  fi
fi
echo "gpu_smoke: environment ready in $(( $(date +%s) - start )) s"
"$PY" bench/bench_paper.py --sam "${S3POT_SMOKE_SAM:-vit_h}" --device cuda --repeat 2 \
  --work "${S3POT_SMOKE_DIR:-runs/gpu_smoke}" --out "${S3POT_SMOKE_OUT:-runs/gpu_smoke/bench_paper.json}"
echo "gpu_smoke: passed in $(( $(date +%s) - start )) s"
