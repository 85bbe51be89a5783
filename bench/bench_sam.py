"""Benchmark: SAM image-encoder throughput (tiny and vit_b) on this machine, and reading the embedding cache vs re-encoding.

    python bench/bench_sam.py [--threads 2] [--tiny-images 64] [--vitb-images 1] [--cache artifacts/embed/tiny]

Prints images/s for each encoder and the speed-up of reading embeddings from the `embed` cache over computing them.
vit_b runs with random weights (same cost as the real checkpoint) at its 1024 px input.
"""
import argparse, os, platform, tempfile, time
from pathlib import Path
import numpy as np, torch
from s3pot.sam import SamBackbone, build_sam
from s3pot.cache import EmbeddingCache, encode_array

def _rate(fn, n, repeat=2):
    "Best-of-`repeat` images/s of `fn()` which processes `n` images."
    best = float('inf')
    for _ in range(repeat):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return n / best, best

def _read_rate(path, n, rows):
    "images/s of reading `n` random rows of a float16 .npy cache (memory-mapped) into float32 torch tensors."
    a = np.load(path, mmap_mode='r')
    idx = np.sort(np.random.default_rng(0).choice(len(a), min(n, len(a)), replace=False))
    def read():
        for b in range(0, len(idx), rows): torch.from_numpy(np.asarray(a[idx[b:b + rows]], dtype=np.float32))
    return _rate(read, len(idx), repeat=3)[0]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--tiny-images', type=int, default=64)
    ap.add_argument('--vitb-images', type=int, default=1)
    ap.add_argument('--checkpoint', default='models/sam_tiny.pth', help='tiny checkpoint (random weights if missing)')
    ap.add_argument('--cache', default='artifacts/embed/tiny', help='embed cache to read (a temporary one is built if missing)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {a.threads} threads")
    rng = np.random.default_rng(0)
    ck = a.checkpoint if Path(a.checkpoint).exists() else None
    tiny = SamBackbone(build_sam('tiny', ck), 'tiny')
    ims = rng.integers(0, 256, (a.tiny_images, 128, 128, 3), dtype=np.uint8)
    tiny.encode(ims[:8])  # warm-up
    r_tiny, _ = _rate(lambda: tiny.encode(ims, batch_size=32), len(ims))
    print(f"encoder tiny  (128 px, {tiny.dim}x{tiny.grid[0]}x{tiny.grid[1]}): {r_tiny:8.1f} images/s")
    torch.manual_seed(0)
    vb = SamBackbone(build_sam('vit_b'), 'vit_b')
    imb = rng.integers(0, 256, (a.vitb_images, 1024, 1024, 3), dtype=np.uint8)
    r_vb, t_vb = _rate(lambda: vb.encode(imb, batch_size=1), len(imb), repeat=1)
    print(f"encoder vit_b (1024 px, {vb.dim}x{vb.grid[0]}x{vb.grid[1]}): {r_vb:8.3f} images/s ({t_vb / len(imb):.1f} s per image)")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        cache = Path(a.cache)/'test'/'raw.npy'
        if not cache.exists():
            cache = d/'tiny.npy'; np.save(cache, encode_array(tiny, rng.integers(0, 256, (512, 128, 128, 3), dtype=np.uint8), 64, desc='bench cache'))
            print(f"(no cache at {a.cache}: built a temporary one of 512 images)")
        r_read = _read_rate(cache, 512, 64)
        print(f"cache read tiny embeddings:   {r_read:8.1f} images/s -> {r_read / r_tiny:6.1f}x faster than re-encoding with tiny")
        vb_cache = d/'vitb.npy'
        np.save(vb_cache, np.random.default_rng(1).standard_normal((32, vb.dim, *vb.grid)).astype(np.float16))
        r_read_b = _read_rate(vb_cache, 32, 8)
        print(f"cache read vit_b embeddings:  {r_read_b:8.1f} images/s -> {r_read_b / r_vb:6.0f}x faster than re-encoding with vit_b")

if __name__ == '__main__': main()
