#!/usr/bin/env python
"""Latency and peak memory per stage of the paper-scale predictor (S3POT.predict_photo) at 1024 px.

Builds the random-weight kit (s3pot-paper-kit: SAM in the official format, BiSeNet, a tiny diffusers ControlNet
pipeline, photos) unless --kit points at one, derives a params file from profiles/paper/params.yaml, and runs every
photo of the kit through `S3POT.from_config(...).predict_photo`. Prints, per stage (detect+align, parse, reference,
encode, FE+PS, decode, unwarp): mean seconds per face and peak memory (CUDA: peak allocated within the stage;
CPU: the process's peak RSS after the stage), and writes them as JSON.

Usage: python bench/bench_paper.py [--sam vit_h] [--device auto|cpu|cuda] [--kit DIR] [--repeat 2] [--out FILE]
"""
import argparse, json, os, platform, sys, time
from pathlib import Path

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sam', default='vit_h', help="vit_h / vit_l / vit_b (official layout, random) or tiny1024")
    ap.add_argument('--device', default='auto')
    ap.add_argument('--kit', default=None, help="an existing kit folder (default: write one under --work)")
    ap.add_argument('--work', default='runs/bench_paper')
    ap.add_argument('--repeat', type=int, default=2, help="passes over the photos; the first is warm-up when > 1")
    ap.add_argument('--threads', type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument('--photos', default='', help="comma-separated photo names of the kit to use (default: all)")
    ap.add_argument('--out', default='runs/bench_paper/bench_paper.json')
    a = ap.parse_args(argv)
    os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('S3POT_QUIET', '1')
    import numpy as np, torch
    if a.threads: torch.set_num_threads(a.threads)
    from s3pot.paper import paper_kit, kit_profile
    from s3pot.predict import S3POT, _inputs
    from s3pot.core import read_image, ImageError
    from s3pot.align import NoFaceError
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if a.kit: kit = json.loads((Path(a.kit)/'kit.json').read_text())
    else:
        kit = paper_kit(work/'kit', a.sam); (work/'kit'/'kit.json').write_text(json.dumps(kit, indent=1))
    t_kit = time.perf_counter() - t0
    params = kit_profile(kit, work/'params.yaml', segment={'screen': '', 'device': a.device})
    t0 = time.perf_counter(); s3 = S3POT.from_config(params); t_load = time.perf_counter() - t0
    dev = s3.backbone.device
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"
    print(f"bench_paper: SAM {kit['sam']} on {name}; kit {t_kit:.1f} s, load {t_load:.1f} s; frame {s3.size} px, tokens {s3.backbone.grid}")
    files = [f for f in _inputs(kit['photos']) if not a.photos or f.name in a.photos.split(',')]
    rows, skipped = [], {}
    for rep in range(a.repeat):
        for k, f in enumerate(files):
            try: r = s3.predict_photo(read_image(f), key=k)
            except (ImageError, NoFaceError) as e: skipped[f.name] = str(e); continue
            if rep == a.repeat - 1 or a.repeat == 1:
                for fr in r.faces: rows.append({'photo': f.name, 'seconds': fr.result.timings, 'memory_mb': fr.result.memory})
    stages = ['detect_align', 'parse', 'reference', 'encode', 'fe_ps', 'decode', 'unwarp']
    out = {'device': name, 'sam': kit['sam'], 'frame_px': s3.size, 'tokens': list(s3.backbone.grid), 'faces': len(rows),
           'skipped': skipped, 'stages': {}}
    print(f"{'stage':14s} {'s/face':>9s} {'peak MiB':>10s}")
    for st in stages:
        secs = [r['seconds'][st] for r in rows if st in r['seconds']]
        mem = [r['memory_mb'][st] for r in rows if st in r['memory_mb']]
        if not secs: continue
        out['stages'][st] = {'seconds': round(float(np.mean(secs)), 4), 'peak_mb': round(float(np.max(mem)), 1) if mem else None}
        print(f"{st:14s} {out['stages'][st]['seconds']:9.3f} {out['stages'][st]['peak_mb'] if mem else float('nan'):10.1f}")
    tot = sum(v['seconds'] for v in out['stages'].values())
    out['seconds_per_face'] = round(tot, 3)
    if dev.type == 'cuda': out['peak_gpu_mb_overall'] = round(max(v['peak_mb'] for v in out['stages'].values() if v['peak_mb'] is not None), 1)
    else:
        import resource; out['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"bench_paper: {len(rows)} faces, {tot:.3f} s per face; skipped {sorted(skipped)}; "
          + (f"peak GPU {out['peak_gpu_mb_overall']} MiB" if dev.type == 'cuda' else f"peak RSS {out['peak_rss_mb']} MiB"))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    return 0

if __name__ == '__main__':
    sys.exit(main())
