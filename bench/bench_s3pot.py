"""Benchmark of the S3POT core (prints numbers and writes metrics/bench.json).

1. greedy matching: vectorised (rounds of mutually-best pairs) vs the plain sorted loop, at 32x32 and 64x64 token
   grids with |P| = 40 % of the tokens;
   memory: prompt selection at SAM's 1024-px shapes (64x64 tokens, C = 256, |P| ~ 2500 face tokens), dense vs chunked
   matching: time and peak memory, each measured in a fresh process (peak RSS above the RSS just before the call);
2. per-image inference at the default scale, broken into encoder x2, FE, PS, decode (and RG for reference);
3. general training: seconds per epoch over cached inputs.

Usage: python bench/bench_s3pot.py [--params params.yaml] [--out metrics/bench.json] [--repeats 20]
"""
import argparse, json, math, os, platform, resource, subprocess, sys, time
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F

def _t(fn, repeats):
    fn(); ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts))

def bench_greedy(grid, seed=0):
    from s3pot.prompts import greedy_match, greedy_match_reference
    g = torch.Generator().manual_seed(seed)
    hw = grid * grid; R = int(0.4 * hw)
    A = F.normalize(torch.randn(hw, 64, generator=g), dim=1); B = F.normalize(A + 0.3 * torch.randn(hw, 64, generator=g), dim=1)
    S = B[:R] @ A.T
    m = greedy_match(S); tv = _t(lambda: greedy_match(S), 5)
    t0 = time.perf_counter(); r = greedy_match_reference(S.numpy()); tp = time.perf_counter() - t0
    assert (m.numpy() == r).all(), 'vectorised and plain greedy disagree'
    return {'rows': R, 'cols': hw, 'vectorised_s': round(tv, 4), 'plain_s': round(tp, 3), 'speedup': round(tp / tv, 1),
            'S_matrix_MB': round(S.numel() * 4 / 2**20, 1)}

def _face_like(grid=64, C=256, seed=0):
    "Enhanced-feature stand-ins at SAM ViT shapes: reference, raw (reference + noise, one occluded block), elliptic face P."
    g = torch.Generator().manual_seed(seed)
    A_R = torch.randn(C, grid, grid, generator=g); A_I = A_R + 0.3 * torch.randn(C, grid, grid, generator=g)
    o = slice(grid * 3 // 8, grid * 5 // 8)
    A_I[:, o, o] = torch.randn(C, 1, 1, generator=g) + 0.5 * torch.randn(C, grid // 4, grid // 4, generator=g)
    y, x = torch.meshgrid(torch.arange(grid) + 0.5, torch.arange(grid) + 0.5, indexing='ij')
    P = ((y - grid / 2) / (0.47 * grid)) ** 2 + ((x - grid / 2) / (0.414 * grid)) ** 2 <= 1   # ~2500 tokens at 64x64
    return A_I, A_R, P

def _status_kb(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'): return int(line.split()[1])

def _mem_probe(mode, threads, repeats=3):
    "In a fresh process: peak memory (MB above the RSS before the call) and time of `select_prompts`, dense or chunked."
    import gc, hashlib
    torch.set_num_threads(threads)
    from s3pot.prompts import select_prompts, greedy_match_chunked, sim_chunk
    A_I, A_R, P = _face_like()
    max_mb = math.inf if mode == 'dense' else 16.
    select_prompts(A_I, A_R, P, max_mb=max_mb); gc.collect()              # warm-up: code pages, thread pools, BLAS buffers
    try: Path('/proc/self/clear_refs').write_text('5'); how = 'VmHWM after resetting it (clear_refs 5)'   # peak RSS := RSS now
    except OSError: how = 'ru_maxrss (not reset: includes the setup)'
    rss0 = _status_kb('VmRSS')
    tok, lab = select_prompts(A_I, A_R, P, max_mb=max_mb)                  # the measured (first) call
    peak = _status_kb('VmHWM') if how.startswith('VmHWM') else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = {'peak_MB': round((peak - rss0) / 1024, 1), 'time_s': round(_t(lambda: select_prompts(A_I, A_R, P, max_mb=max_mb), repeats), 3),
         'digest': hashlib.sha1(tok.numpy().tobytes() + lab.numpy().tobytes()).hexdigest(), 'measure': how,
         'rows': int(P.sum()), 'negatives': int((lab == 0).sum())}
    if mode == 'chunked':
        C, h, w = A_I.shape; st = {}
        aI = F.normalize(A_I.reshape(C, -1).T, dim=1); aR = F.normalize(A_R.reshape(C, -1).T, dim=1)
        greedy_match_chunked(aR[P.reshape(-1).nonzero().squeeze(1)], aI, chunk=sim_chunk(h * w, max_mb), stats=st)
        r.update(st, chunk=sim_chunk(h * w, max_mb), max_mb=max_mb)
    print(json.dumps(r))

def bench_memory(threads):
    "Dense vs chunked prompt selection at 64x64 tokens, C = 256, |P| ~ 2500: time and peak memory, fresh process each."
    res = {}
    for mode in ('dense', 'chunked'):
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536')   # glibc returns freed blocks at once: RSS follows live memory
        out = subprocess.run([sys.executable, __file__, '--probe', mode, '--threads', str(threads)], capture_output=True, text=True, env=env)
        if out.returncode: raise RuntimeError(f"memory probe {mode} failed:\n{out.stderr[-2000:]}")
        res[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    d, c = res['dense'], res['chunked']
    assert d['digest'] == c['digest'], 'dense and chunked prompt selection disagree'
    r = {'grid': [64, 64], 'channels': 256, 'rows': d['rows'], 'cols': 4096, 'S_matrix_MB': round(d['rows'] * 4096 * 4 / 2**20, 1),
         'dense_s': d['time_s'], 'chunked_s': c['time_s'], 'dense_peak_MB': d['peak_MB'], 'chunked_peak_MB': c['peak_MB'],
         'max_mb': c['max_mb'], 'chunk': c['chunk'], 'sweeps': c['sweeps'], 'rounds': c['rounds'], 'identical': True,
         'negatives': d['negatives'], 'measure': d['measure']}
    print(f"prompt selection 64x64 tokens, C=256, |P|={r['rows']} (S = {r['S_matrix_MB']} MB): dense {r['dense_s']*1e3:.0f} ms, "
          f"peak +{r['dense_peak_MB']} MB; chunked (max_mb={r['max_mb']:g}, chunk={r['chunk']} rows, {r['sweeps']} sweeps, "
          f"{r['rounds']} rounds) {r['chunked_s']*1e3:.0f} ms, peak +{r['chunked_peak_MB']} MB; same prompts; peak = {r['measure']}")
    return r

def bench_inference(bb, pair, par, repeats, name):
    "Per-image inference times (seconds) of encoder x2, FE, PS, decode (prompt tokens + screening + mask decoder)."
    from s3pot.features import token_region, enhance
    from s3pot.prompts import select_prompts, token_points, ScreeningLayer
    from s3pot.train import ScreenedDecoder
    size = pair.shape[1:3]
    with torch.inference_mode():
        E = bb.encode(pair); P = token_region(par, bb.grid)
        t_enc = _t(lambda: bb.encode(pair), repeats)
        fe = enhance(bb, E[0], E[1], P, size)
        t_fe = _t(lambda: enhance(bb, E[0], E[1], P, size), repeats)
        t_ps = _t(lambda: select_prompts(fe['A_I'], fe['A_R'], P), repeats)
        tok, lab = select_prompts(fe['A_I'], fe['A_R'], P)
        pts = token_points(tok, bb.grid, size).numpy()
        m = ScreenedDecoder(bb, ScreeningLayer(bb.dim, 4)).eval()
        t_dec = _t(lambda: m(E[:1], m.tokens(pts, lab.numpy(), size), size), repeats)
    total = t_enc + t_fe + t_ps + t_dec
    r = {'model': name, 'img_size': bb.img_size, 'grid': list(bb.grid), 'points': int(len(tok)), 'encoder_x2_s': round(t_enc, 5),
         'fe_s': round(t_fe, 5), 'ps_s': round(t_ps, 5), 'decode_s': round(t_dec, 5), 'total_s': round(total, 5),
         'overhead_share': round((t_fe + t_ps + t_dec) / total, 4)}
    print(f"inference ({name}, {bb.img_size}px input, {bb.grid[0]}x{bb.grid[1]} tokens, {len(tok)} points): encoder x2 {t_enc*1e3:.1f} ms, "
          f"FE {t_fe*1e3:.1f} ms, PS {t_ps*1e3:.1f} ms, decode {t_dec*1e3:.1f} ms -> overhead beyond the encoder {r['overhead_share']:.1%}")
    return r

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--params', default='params.yaml'); ap.add_argument('--out', default='metrics/bench.json')
    ap.add_argument('--repeats', type=int, default=20); ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--vit-b', type=int, default=1, help='also time SAM ViT-B shapes at 1024 px (about 2 minutes on 2 cores)')
    ap.add_argument('--probe', choices=['dense', 'chunked'], help=argparse.SUPPRESS)   # internal: one memory measurement
    a = ap.parse_args()
    if a.probe: return _mem_probe(a.probe, a.threads)
    torch.set_num_threads(a.threads)
    from s3pot.core import load_params
    from s3pot.sam import SamCfg, SamBackbone
    res = {'machine': f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {a.threads} threads"}
    for g in (32, 64):
        res[f'greedy_{g}'] = bench_greedy(g); print(f"greedy {g}x{g}: {res[f'greedy_{g}']}")
    res['greedy_speedup_64'] = res['greedy_64']['speedup']
    res['memory_64'] = bench_memory(a.threads)

    sam_cfg = load_params('sam', SamCfg, a.params)
    if sam_cfg.checkpoint and not Path(sam_cfg.checkpoint).exists(): sam_cfg = sam_cfg.replace(checkpoint=None)
    bb = SamBackbone.from_cfg(sam_cfg)
    S = bb.img_size
    from s3pot.core import load_split
    d = load_split('artifacts/synthocc', 'test') if Path('artifacts/synthocc/test').is_dir() else None
    img = np.asarray(d['image'][0]) if d else np.random.default_rng(0).integers(0, 255, (S, S, 3), dtype=np.uint8)
    ref = np.asarray(d['clean'][0]) if d else img
    par = np.asarray(d['parsing'][0]) if d else np.full((S, S), 6, np.uint8)
    pair = np.stack([img, ref])
    res['inference'] = bench_inference(bb, pair, par, a.repeats, sam_cfg.model)
    res['overhead_share'] = res['inference']['overhead_share']
    if a.vit_b:   # the same pipeline with SAM's ViT-B shapes (random weights: speed does not depend on them)
        from s3pot.sam import build_sam
        res['inference_vit_b'] = bench_inference(SamBackbone(build_sam('vit_b', None)).eval(), pair, par, 2, 'vit_b (random)')
    h = Path('metrics/train/full.json')
    if h.exists():
        tr = json.loads(h.read_text()); res['train_seconds_per_epoch'] = tr.get('seconds_per_epoch'); res['train_images'] = tr.get('images')
        print(f"training (cached inputs): {tr.get('seconds_per_epoch')} s per epoch over {tr.get('images')} images")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2, sort_keys=True) + '\n')
    print(f"wrote {a.out}")

if __name__ == '__main__':
    main()
