"""Where does S3POT lose occluder IoU? A chain of upper bounds on the test split (prints numbers, writes JSON).

Each row swaps one part of the pipeline for its oracle and scores occluder IoU (mean over images, seen / held-out):

- `pixel_diff`: the pixel-difference baseline on the generated reference (from `metrics/eval/pixel_diff.json`);
- `tokens_pseudo`: the PS labels themselves, no SAM: negative tokens painted as patches inside P;
- `tokens_oracle`: the same with every token of P labelled by the ground truth at its centre (token-grid ceiling);
- `sam_pseudo`: the frozen SAM decoder prompted with the PS labels, no screening layer;
- `sam_oracle_labels`: the frozen SAM decoder prompted with ground-truth token labels (SAM ceiling for S3POT's prompts);
- `sam_oracle_reference`: PS on the oracle (clean) reference instead of the generated one, no screening layer;
- `*_occ`: the same SAM rows with occluder polarity (SAM's foreground = the occluder: labels flipped);
- `sam_contrast[_occ]`: hybrid prompts: every PS token labelled by Otsu's threshold of FE's token contrast
  (1 - cos above the threshold = occluded) instead of the greedy matching;
- `sam_agree[_occ]`: only the PS tokens on which the greedy label and the contrast label agree;
- token-level quality of the PS labels: precision / recall of the negatives against ground-truth occluded tokens
  (and the same for the contrast labels).

Usage: python bench/diagnose_s3pot.py [--params params.yaml] [--n 300] [--out metrics/diagnose.json]
"""
import argparse, json, os
from pathlib import Path
import numpy as np, torch

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--params', default='params.yaml'); ap.add_argument('--n', type=int, default=300)
    ap.add_argument('--out', default='metrics/diagnose.json'); ap.add_argument('--prompt_set', default='main')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from s3pot.core import load_params, read_params, progress
    from s3pot.sam import SamCfg, SamBackbone
    from s3pot.core import load_split
    from s3pot.cache import EmbeddingCache
    from s3pot.synthocc import face_prompt_region
    from s3pot.features import token_region
    from s3pot.prompts import PromptSet, PromptCfg, image_prompts, token_points
    from s3pot.evaluate import ground_truth, masks_from_logits, _iou as iou3
    from s3pot.prompts import otsu
    _iou = lambda a, b: iou3(a, b)[0]   # the evaluation's own IoU (1 where the union is empty)

    bb = SamBackbone.from_cfg(load_params('sam', SamCfg, a.params)).eval()
    d = load_split('artifacts/synthocc', 'test')
    man = d['manifest']
    idx = np.linspace(0, len(man) - 1, min(a.n, len(man))).round().astype(int)
    gt_occ, _ = ground_truth({'gt': np.asarray(d['gt'])[idx], 'parsing': np.asarray(d['parsing'])[idx]})
    par = np.load('artifacts/reference/test/parsing.npy', mmap_mode='r')
    cache = EmbeddingCache(f'artifacts/embed/{bb.name}')
    E_raw, E_ref = cache.array('test', 'raw'), cache.array('test', 'reference')
    pcfg = PromptCfg.from_dict(read_params(a.params)['prompt_sets'][a.prompt_set])
    ps = PromptSet(f'artifacts/prompts/{a.prompt_set}/test')
    S = tuple(ps.meta['image_size']); h, w = bb.grid; ph, pw = S[0] // h, S[1] // w
    held = man['held_out'].to_numpy()[idx].astype(bool)

    def decode(e, pts, lab, empty=20.0):   # empty: the logit without prompts (+: all foreground)
        if len(pts) == 0: return np.full(S, empty, np.float32)
        with torch.no_grad():
            return bb.decode(torch.from_numpy(np.asarray(e, np.float32))[None], pts[None], lab[None], image_size=S)[0][0, 0].numpy()

    rows = {k: [] for k in ('tokens_pseudo', 'tokens_oracle', 'sam_pseudo', 'sam_oracle_labels', 'sam_oracle_reference',
                            'sam_pseudo_occ', 'sam_oracle_labels_occ', 'sam_contrast', 'sam_contrast_occ', 'sam_agree', 'sam_agree_occ')}
    con_stats = np.zeros(4)   # the same for the contrast labels
    tok_stats = np.zeros(4)   # tp, fp, fn, tn of "negative" vs ground-truth occluded token
    clean_E = bb.encode(np.asarray(d['clean'])[idx], batch_size=64)
    for k, i in enumerate(progress(idx, 'diagnose')):
        p = np.asarray(par[i]); g = gt_occ[k]
        P = token_region(p, bb.grid).numpy(); Ppix = face_prompt_region(p)
        tok, lab = ps.tokens(i).astype(np.int64), ps.labels(i).astype(np.int64)
        cy = ((np.arange(h) + 0.5) * S[0] / h).astype(int); cx = ((np.arange(w) + 0.5) * S[1] / w).astype(int)
        gt_tok = g[cy[:, None], cx[None, :]].ravel()              # ground-truth occlusion at token centres
        neg = np.zeros(h * w, bool); neg[tok[lab == 0]] = True
        occ_t = gt_tok[tok].astype(bool)
        tok_stats += [(neg[tok] & occ_t).sum(), (neg[tok] & ~occ_t).sum(), (~neg[tok] & occ_t).sum(), (~neg[tok] & ~occ_t).sum()]
        up = lambda m: np.kron(m.reshape(h, w), np.ones((ph, pw), bool)).astype(bool)
        rows['tokens_pseudo'].append(_iou(up(neg) & Ppix, g))
        orc = np.zeros(h * w, bool); orc[tok[occ_t]] = True
        rows['tokens_oracle'].append(_iou(up(orc) & Ppix, g))
        pts = token_points(torch.from_numpy(tok), bb.grid, S).numpy()
        rows['sam_pseudo'].append(_iou(masks_from_logits(decode(E_raw[i], pts, lab), p)[0], g))
        rows['sam_oracle_labels'].append(_iou(masks_from_logits(decode(E_raw[i], pts, (~occ_t).astype(np.int64)), p)[0], g))
        rows['sam_pseudo_occ'].append(_iou(masks_from_logits(decode(E_raw[i], pts, 1 - lab), p, 'occluder')[0], g))
        rows['sam_oracle_labels_occ'].append(_iou(masks_from_logits(decode(E_raw[i], pts, occ_t.astype(np.int64)), p, 'occluder')[0], g))
        d_tok = 1 - np.asarray(ps.a['contrast'][i], np.float32).ravel()[tok]   # token dissimilarity at the PS tokens
        c_neg = d_tok > otsu(d_tok) if len(tok) > 1 else np.zeros(len(tok), bool)
        con_stats += [(c_neg & occ_t).sum(), (c_neg & ~occ_t).sum(), (~c_neg & occ_t).sum(), (~c_neg & ~occ_t).sum()]
        c_lab = (~c_neg).astype(np.int64)
        rows['sam_contrast'].append(_iou(masks_from_logits(decode(E_raw[i], pts, c_lab), p)[0], g))
        rows['sam_contrast_occ'].append(_iou(masks_from_logits(decode(E_raw[i], pts, 1 - c_lab, -20.0), p, 'occluder')[0], g))
        agree = c_lab == lab
        rows['sam_agree'].append(_iou(masks_from_logits(decode(E_raw[i], pts[agree], lab[agree]), p)[0], g))
        rows['sam_agree_occ'].append(_iou(masks_from_logits(decode(E_raw[i], pts[agree], 1 - lab[agree], -20.0), p, 'occluder')[0], g))
        t2, l2, _, _ = image_prompts(bb, torch.from_numpy(np.asarray(E_raw[i], np.float32)), clean_E[k], torch.from_numpy(P), S, pcfg)
        pts2 = token_points(t2, bb.grid, S).numpy()
        rows['sam_oracle_reference'].append(_iou(masks_from_logits(decode(E_raw[i], pts2, l2.numpy()), p)[0], g))
    res = {'n': int(len(idx)), 'prompt_set': a.prompt_set}
    for name in ('pixel_diff', 'full', 'full_per_image'):
        f = Path(f'metrics/eval/{name}.json')
        if f.exists():
            r = json.loads(f.read_text()); res[name] = {'seen': r['seen']['occ_iou'], 'held_out': r['held_out']['occ_iou'], 'n': r['all']['n']}
    for kname, v in rows.items():
        v = np.array(v, float)
        res[kname] = {g: (round(float(v[m].mean()), 4) if m.any() else None) for g, m in (('seen', ~held), ('held_out', held))}
    tp, fp, fn, tn = tok_stats
    res['ps_token_labels'] = {k: round(float(v), 4) for k, v in {
        'negative_precision': tp / max(tp + fp, 1), 'negative_recall': tp / max(tp + fn, 1),
        'accuracy': (tp + tn) / max(tok_stats.sum(), 1), 'gt_occluded_share': (tp + fn) / max(tok_stats.sum(), 1)}.items()}
    tp, fp, fn, tn = con_stats
    res['contrast_token_labels'] = {'negative_precision': round(float(tp / max(tp + fp, 1)), 4), 'negative_recall': round(float(tp / max(tp + fn, 1)), 4),
                                    'accuracy': round(float((tp + tn) / max(con_stats.sum(), 1)), 4)}
    for k, v in res.items(): print(f"{k:22s} {v}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=2) + '\n')
    print(f"wrote {a.out}")

if __name__ == '__main__': main()
