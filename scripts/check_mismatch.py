"""The mismatch stage at level 0 must reproduce the evaluation stages on the same images: per-image occluder IoU of
`results/mismatch/level0.csv` equal to `results/eval/<method>.csv` (pixel_diff, feature_contrast and every variant).
Run after `dvc repro` (scripts/quick_repro.sh runs it); exits 1 with the differing method and image otherwise."""
import sys
from pathlib import Path
import numpy as np, pandas as pd

def main(mismatch='results/mismatch/level0.csv', eval_dir='results/eval'):
    lv0 = pd.read_csv(mismatch)
    bad = []
    for m in [c for c in lv0.columns if c != 'id']:
        ev = pd.read_csv(Path(eval_dir)/f'{m}.csv').set_index('id').loc[lv0['id'], 'occ_iou'].to_numpy()
        d = np.abs(ev - lv0[m].to_numpy())
        if d.max() > 1e-4: bad.append(f"{m}: image {lv0['id'][int(d.argmax())]} IoU {lv0[m][int(d.argmax())]:.5f} vs evaluation {ev[int(d.argmax())]:.5f}")
        else: print(f"check_mismatch: {m}: level 0 equals {eval_dir}/{m}.csv on {len(lv0)} images (max |diff| {d.max():.1e})")
    if bad: print('check_mismatch: level 0 differs from the evaluation:\n  ' + '\n  '.join(bad), file=sys.stderr); sys.exit(1)

if __name__ == '__main__': main(*sys.argv[1:])
