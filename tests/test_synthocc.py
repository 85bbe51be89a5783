"SynthOcc integration tests: determinism (hash of whole generations), exactness, the open-category split."
import hashlib, json
import numpy as np, pandas as pd, pytest
from s3pot.collect import CollectCfg, collect, ARRAYS
from s3pot.core import load_split, SPLITS
from s3pot.synthocc import FAMILIES, face_prompt_region
from conftest import run_cli

def _hash(root):
    h = hashlib.sha256()
    for s in SPLITS:
        for k in ARRAYS: h.update((root/s/f'{k}.npy').read_bytes())
    h.update((root/'manifest.csv').read_bytes())
    return h.hexdigest()

@pytest.fixture(scope='module')
def small(textures):
    return CollectCfg(n_train=28, n_val=7, n_test=27, textures=str(textures), workers=2, gallery_n=4)

@pytest.fixture(scope='module')
def gen(small, tmp_path_factory):
    d = tmp_path_factory.mktemp('synthocc')
    collect(small, 1234, d/'a', d/'a.json', d/'a.png')
    return d

def test_same_seed_byte_identical(gen, small):
    # a second generation with the same seed, single process this time: the bytes must not change
    collect(small.replace(workers=1), 1234, gen/'b', None, None)
    assert _hash(gen/'a') == _hash(gen/'b')

def test_different_seed_differs(gen, small):
    collect(small, 99, gen/'c', None, None)
    assert _hash(gen/'a') != _hash(gen/'c')
    assert not np.array_equal(np.load(gen/'a/test/image.npy'), np.load(gen/'c/test/image.npy'))

def test_exactness(gen):
    for s in SPLITS:
        d = load_split(gen/'a', s, mmap=False)
        img, clean, alpha, par, gt = d['image'], d['clean'], d['alpha'], d['parsing'], d['gt']
        absent = alpha == 0
        assert (img[absent] == clean[absent]).all(), 'occluded image differs from clean where alpha == 0'
        assert (img != clean).any(-1)[alpha >= 128].mean() > 0.5, 'occluders should change most pixels they cover'
        np.testing.assert_array_equal(gt, (alpha >= 128) & face_prompt_region(par))
        assert par.min() >= 0 and par.max() <= 11 and par.dtype == np.uint8
        assert gt.any((1, 2)).all(), 'every sample has some occluded face'

def test_held_out_only_in_test(gen, small):
    man = pd.read_csv(gen/'a'/'manifest.csv')
    assert not man[man.split.isin(['train', 'val'])].family.isin(small.held_out).any()
    te = man[man.split == 'test']
    assert set(te.family) == set(FAMILIES)
    assert (te.held_out == te.family.isin(small.held_out).astype(int)).all()

def test_stats_file(gen, small):
    st = json.loads((gen/'a.json').read_text())
    assert st['held_out_families'] == list(small.held_out)
    assert {k: v['n'] for k, v in st['splits'].items()} == {'train': 28, 'val': 7, 'test': 27}
    q = st['occluded_fraction']
    assert 0 < q['min'] <= q['p10'] <= q['median'] <= q['p90'] <= q['max'] <= 1
    assert (gen/'a.png').stat().st_size > 10_000

def test_collect_cli_rejects_bad_params(tmp_path):
    p = tmp_path/'params.yaml'
    p.write_text('base: {seed: 1}\ncollect: {n_trian: 5}\n')
    r = run_cli('s3pot-collect', '--params', p, '--out', tmp_path/'o')
    assert r.returncode != 0 and "unknown key(s) ['n_trian']" in r.stderr
    p.write_text('base: {seed: 1}\ncollect: {held_out: [dragons]}\n')
    r = run_cli('s3pot-collect', '--params', p, '--out', tmp_path/'o')
    assert r.returncode != 0 and 'unknown occluder families' in r.stderr
    assert not (tmp_path/'o').exists()

# ---- the same bytes on every machine (the foundation checkpoints are reused only if collect renders identically) ----
GOLDEN = 'tests/golden/synthocc_128.json'
_DIGEST = """
import json, sys, cv2
cv2.setUseOptimized(sys.argv[1] == '1')
from s3pot.synthocc import render_digest, load_textures
print(json.dumps(render_digest(load_textures(sys.argv[2]))))
"""

def _golden(root): return json.loads((root/GOLDEN).read_text())

def test_golden_render(root, textures):
    "A fixed render (2 samples per family, 128 px) hashes to the committed digest; a mismatch names the arrays."
    from s3pot.synthocc import render_digest, digest_mismatches, load_textures
    bad = digest_mismatches(_golden(root), render_digest(load_textures(textures)))
    assert not bad, ("SynthOcc renders differently on this machine, so a fresh clone's collect stage would not match "
                     "dvc.lock and DVC would retrain pretrain_sam, parser and generator:\n  " + "\n  ".join(bad))

LIMITED = {'NPY_DISABLE_CPU_FEATURES': 'X86_V3 X86_V4 AVX512_ICL AVX512_SPR',   # NumPy: baseline SSE4.2 kernels only
           'OPENCV_CPU_DISABLE': 'AVX512_SKX,AVX2,AVX,FP16,FMA3,SSE4_2,POPCNT',     # OpenCV: no dispatched SIMD paths
           'OPENBLAS_CORETYPE': 'Nehalem', 'ATEN_CPU_CAPABILITY': 'default'}

def test_render_independent_of_simd_dispatch(root, textures):
    "With NumPy's and OpenCV's SIMD dispatch limited (and cv2.setUseOptimized(False)) the bytes do not change."
    import subprocess, sys, os
    env = {**os.environ, **LIMITED}
    r = subprocess.run([sys.executable, '-c', _DIGEST, '0', str(textures)], env=env, capture_output=True, text=True,
                       timeout=300, cwd=root)
    assert r.returncode == 0, r.stderr
    from s3pot.synthocc import digest_mismatches
    assert digest_mismatches(_golden(root), json.loads(r.stdout.splitlines()[-1])) == []

def test_check_render_script(root):
    r = run_cli_py(root, 'scripts/check_render.py')
    assert r.returncode == 0 and 'renders byte-identically' in r.stdout, r.stdout + r.stderr

def run_cli_py(root, script, *args):
    import subprocess, sys
    return subprocess.run([sys.executable, str(root/script), *args], capture_output=True, text=True, timeout=300, cwd=root)
