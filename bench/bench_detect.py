#!/usr/bin/env python
"""Face detectors side by side (nbs/01e_checkset.ipynb): MediaPipe (BlazeFace + face mesh) and the cascade fallback, on
the paper kit's photos (s3pot.paper.write_photos) and on the real-photo check set (s3pot.checkset.build_checkset).
Prints per photo and in total: faces found / missed / false, seconds per photo, alignment error, mask round-trip IoU.
  python bench/bench_detect.py [--figure results/figures/checkset.png] [--repeat 3]"""
import argparse, tempfile
from pathlib import Path
import numpy as np, pandas as pd
from s3pot.core import read_image
from s3pot.checkset import CheckPhoto, PORTRAIT_LANDMARKS, build_checkset, evaluate, compare, checkset_figure
from s3pot.align import CascadeDetector
from s3pot.landmarks import MediaPipeDetector

def kit_photos() -> list:
    "The kit's photos (s3pot-paper-kit) with their true faces; the corrupt file is left out."
    from s3pot.paper import write_photos
    A = PORTRAIT_LANDMARKS['astronaut']
    truth = {'astronaut.png': [A], 'astronaut_mic.jpg': [A * 900 / 512], 'two_faces.png': [A + (20 - 110, 40 - 20), A + (320 - 110, 40 - 20)],
             'astronaut_16bit.png': [A], 'no_face.png': []}
    d = Path(tempfile.mkdtemp()); write_photos(d)
    out = []
    for n, faces in truth.items():
        im = read_image(d/n)
        out.append(CheckPhoto(f'kit/{n}', im, faces, np.zeros(im.shape[:2], bool), 'paper kit'))
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--figure', default=''); ap.add_argument('--repeat', type=int, default=1); a = ap.parse_args()
    photos = kit_photos() + build_checkset()
    dets = {'mediapipe': MediaPipeDetector(), 'cascade': CascadeDetector()}
    for d in dets.values(): d.detect(photos[0].image)   # warm-up (graph start, cascade load)
    found = {k: {} for k in dets}
    per = {k: evaluate(d, photos, found[k]) for k, d in dets.items()}
    for _ in range(a.repeat - 1):
        for k, d in dets.items(): per[k]['seconds'] = np.minimum(per[k]['seconds'], evaluate(d, photos)['seconds'])
    pd.set_option('display.width', 200)
    print(pd.concat({k: v.set_index('photo') for k, v in per.items()}, axis=1).to_string())
    rows = []
    for k, r in per.items():
        for part, sel in (('kit', r.photo.str.startswith('kit/')), ('checkset', ~r.photo.str.startswith('kit/'))):
            q = r[sel]
            rows.append(dict(detector=k, photos=part, n=len(q), faces=int(q.faces.sum()), found=int(q.found.sum()), missed=int(q.missed.sum()),
                             false=int(q.false.sum()), s_per_photo=round(float(q.seconds.mean()), 3), align_err_mean=round(float(q.align_err.mean()), 3)))
    print(); print(pd.DataFrame(rows).to_string(index=False))
    if a.figure:
        cs = [p for p in photos if not p.name.startswith('kit/')]
        checkset_figure(cs, [(found['mediapipe'], 'yellow'), (found['cascade'], 'red')]).savefig(a.figure, dpi=80)
        print(f"figure -> {a.figure}")
