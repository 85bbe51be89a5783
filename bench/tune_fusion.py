"""Choose the `fusion` settings on the validation split (never on test): occluder IoU of `contrast_fusion` over a grid of
blur sigma and pixel / feature weights. Prints the grid, best first; needs the pipeline's artifacts (reference, prompts).

Usage: python bench/tune_fusion.py [--split val] [--prompt_set main] [--out metrics/tune_fusion.json]
"""
import argparse, json, itertools
from pathlib import Path
import numpy as np

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--split', default='val'); ap.add_argument('--prompt_set', default='main')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    from s3pot.core import load_split
    from s3pot.prompts import PromptSet
    from s3pot.fusion import FusionCfg, fusion_masks
    from s3pot.evaluate import ground_truth, _iou
    d = load_split('artifacts/synthocc', a.split)
    par = np.load(f'artifacts/reference/{a.split}/parsing.npy'); ref = np.load(f'artifacts/reference/{a.split}/reference.npy')
    con = PromptSet(f'artifacts/prompts/{a.prompt_set}/{a.split}').a['contrast']
    img, gt = np.asarray(d['image']), ground_truth(d)[0]
    rows = []
    for sigma, (wp, wf) in itertools.product((0.0, 1.0, 2.0, 3.0), ((1, 0), (0, 1), (1, 1), (2, 1), (1, 2))):
        occ = fusion_masks(img, ref, con, par, FusionCfg(sigma=sigma, w_pixel=wp, w_feature=wf))[0]
        rows.append({'sigma': sigma, 'w_pixel': wp, 'w_feature': wf, 'occ_iou': round(float(_iou(occ, gt)[0].mean()), 4)})
        print(f"sigma {sigma:.1f}  w_pixel {wp}  w_feature {wf}: occluder IoU {rows[-1]['occ_iou']:.4f}", flush=True)
    rows.sort(key=lambda r: -r['occ_iou'])
    print(f"{a.split} ({len(img)} images), best: {rows[0]}")
    if a.out: Path(a.out).write_text(json.dumps({'split': a.split, 'n': int(len(img)), 'grid': rows}, indent=2) + '\n')

if __name__ == '__main__': main()
