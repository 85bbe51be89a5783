"""The mismatch stage at level 0 must reproduce the evaluation stages on the same images: per-image occluder IoU of
`results/mismatch/level0.csv` equal to `results/eval/<method>.csv` (pixel_diff, feature_contrast and every variant);
and round 0 of the iterate stage (`metrics/eval/full_iter.json`) must equal `metrics/eval/full.json`.
Run after `dvc repro` (scripts/quick_repro.sh runs it); exits 1 with the differing method and image otherwise."""
import sys
from pathlib import Path
import numpy as np, pandas as pd

def main(mismatch='results/mismatch/level0.csv', eval_dir='results/eval', metrics_dir='metrics/eval'):
    lv0 = pd.read_csv(mismatch)
    bad = []
    for m in [c for c in lv0.columns if c != 'id']:
        ev = pd.read_csv(Path(eval_dir)/f'{m}.csv').set_index('id').loc[lv0['id'], 'occ_iou'].to_numpy()
        d = np.abs(ev - lv0[m].to_numpy())
        if d.max() > 1e-4: bad.append(f"{m}: image {lv0['id'][int(d.argmax())]} IoU {lv0[m][int(d.argmax())]:.5f} vs evaluation {ev[int(d.argmax())]:.5f}")
        else: print(f"check_mismatch: {m}: level 0 equals {eval_dir}/{m}.csv on {len(lv0)} images (max |diff| {d.max():.1e})")
    it = Path(metrics_dir)/'full_iter.json'
    if it.exists():
        import json
        r0, full = json.loads(it.read_text())['rounds'][0], json.loads((Path(metrics_dir)/'full.json').read_text())
        for g in ('seen', 'held_out'):
            if abs(r0[g] - full[g]['occ_iou']) > 1e-4: bad.append(f"full_iter round 0 {g} {r0[g]} vs full {full[g]['occ_iou']}")
        if not bad: print(f"check_mismatch: full_iter round 0 equals full (seen {r0['seen']}, held-out {r0['held_out']})")
    if bad: print('check_mismatch: level 0 differs from the evaluation:\n  ' + '\n  '.join(bad), file=sys.stderr); sys.exit(1)

if __name__ == '__main__': main(*sys.argv[1:])
