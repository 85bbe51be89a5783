#!/usr/bin/env python
"""Does this machine render SynthOcc byte for byte as the committed digest says? (`make data` runs it.)

The foundation checkpoints committed in models/ (small SAM, parser, generator) are reused by `dvc repro` only when the
collect stage's output hashes equal those in dvc.lock, i.e. when this machine renders the same bytes. This renders
a small fixed sample (s3pot.synthocc.render_digest, ~2 s) and compares it with tests/golden/synthocc_128.json.
Always exits 0 unless --strict; prints plainly what a difference would cost.

Usage: python scripts/check_render.py [--strict] [--write]   (--write: replace the golden file, after a deliberate renderer change)
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT/'tests'/'golden'/'synthocc_128.json'
FOUNDATION = ('pretrain_sam', 'parser', 'generator')

def scratch_minutes():
    "Minutes the foundation stages took in the committed from-scratch run (None if unknown)."
    f = ROOT/'metrics'/'pipeline_time_scratch.json'
    try: st = json.loads(f.read_text())['stages']
    except (OSError, ValueError, KeyError): return None
    return sum(st.get(s, 0) for s in FOUNDATION) / 60

def main(argv):
    from s3pot.synthocc import render_digest, digest_mismatches, load_textures
    actual = render_digest(load_textures(ROOT/'data'/'textures'))
    if '--write' in argv:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + '\n')
        print(f"check_render: wrote {GOLDEN.relative_to(ROOT)} ({len(actual)} digests)"); return 0
    expected = json.loads(GOLDEN.read_text())
    bad = digest_mismatches(expected, actual)
    if not bad:
        print(f"check_render: SynthOcc renders byte-identically to {GOLDEN.relative_to(ROOT)} ({len(actual)} arrays): "
              "the committed foundation checkpoints will be reused")
        return 0
    mins = scratch_minutes()
    cost = f" (about {mins:.0f} min on 2 cores, metrics/pipeline_time_scratch.json)" if mins else ''
    print(f"check_render: WARNING: this machine renders SynthOcc differently from the committed digest: "
          f"{len(bad)} of {len(expected)} arrays differ", file=sys.stderr)
    for line in bad[:8]: print(f"  {line}", file=sys.stderr)
    if len(bad) > 8: print(f"  ... and {len(bad) - 8} more", file=sys.stderr)
    print(f"  `dvc repro` will find the collect stage's outputs changed and RETRAIN {', '.join(FOUNDATION)}{cost};\n"
          "  the results will then differ from the committed tables. Please report this machine "
          "(`python -c 'import numpy; numpy.show_runtime()'`).", file=sys.stderr)
    return 1 if '--strict' in argv else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
