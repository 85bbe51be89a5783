"""How much of a trained row is the training's luck: train one variant's screening layer with several seeds (the same
prompts, embeddings and settings; `base.seed` decides the layer's initialisation and the order of the batches) and score
each on test. Prints occluder IoU per seed, mean and standard deviation; needs the pipeline's artifacts (embed, prompts).
Models and metrics go to a temporary folder (nothing in the repository changes).

Usage: python bench/seed_spread.py [--variant full] [--seeds 1234,1,2,3,4] [--params params.yaml] [--out metrics/seed_spread.json]
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path
import numpy as np, yaml

def run(*args):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if r.returncode: sys.exit(f"seed_spread: {args[0]} failed:\n{r.stderr[-2000:]}")
    return r.stdout

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--variant', default='full'); ap.add_argument('--seeds', default='1234,1,2,3,4')
    ap.add_argument('--params', default='params.yaml'); ap.add_argument('--out', default=None)
    a = ap.parse_args()
    from s3pot.core import read_params
    P = read_params(a.params); seeds = [int(s) for s in a.seeds.split(',') if s]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for s in seeds:
            p = d/f'params_{s}.yaml'; p.write_text(yaml.safe_dump(dict(P, base=dict(P.get('base') or {}, seed=s)), sort_keys=False))
            run('s3pot-train', '--variant', a.variant, '--params', p, '--out', d/f'models_{s}'/a.variant, '--metrics', d/f'train_{s}.json')
            run('s3pot-evaluate', '--variant', a.variant, '--params', p, '--models', d/f'models_{s}', '--metrics_dir', d/f'm_{s}',
                '--results_dir', d/f'r_{s}', '--time_dir', d/f't_{s}')
            m = json.loads((d/f'm_{s}'/f'{a.variant}.json').read_text())
            rows.append({'seed': s, 'seen': m['seen']['occ_iou'], 'held_out': m['held_out']['occ_iou']})
            print(f"{a.variant} seed {s}: occluder IoU seen {rows[-1]['seen']:.4f} held-out {rows[-1]['held_out']:.4f}", flush=True)
    summ = {k: {'mean': round(float(np.mean([r[k] for r in rows])), 4), 'sd': round(float(np.std([r[k] for r in rows], ddof=1)), 4) if len(rows) > 1 else None,
                'min': min(r[k] for r in rows), 'max': max(r[k] for r in rows)} for k in ('seen', 'held_out')}
    print(f"{a.variant} over {len(rows)} seeds: seen {summ['seen']['mean']:.3f} ± {summ['seen']['sd']} "
          f"[{summ['seen']['min']:.3f}, {summ['seen']['max']:.3f}], held-out {summ['held_out']['mean']:.3f} ± {summ['held_out']['sd']} "
          f"[{summ['held_out']['min']:.3f}, {summ['held_out']['max']:.3f}]")
    if a.out: Path(a.out).write_text(json.dumps({'variant': a.variant, 'seeds': rows, 'summary': summ}, indent=2) + '\n')

if __name__ == '__main__': main()
