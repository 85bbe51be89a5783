"""Data parallelism (s3pot.distributed): `embed`, `reference` and `train` launched by torchrun with 2 CPU processes
(gloo) give the outputs of one process, on a tiny SynthOcc with the committed tiny SAM, parser and generator."""
import os, sys, json, subprocess
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch, yaml
import torch.distributed as tdist
from conftest import ROOT, BIN, run_cli

if not (tdist.is_available() and tdist.is_gloo_available()):
    pytest.skip('torch.distributed with gloo is not available in this torch build', allow_module_level=True)

ENV = dict(os.environ, S3POT_DIST_BACKEND='gloo', OMP_NUM_THREADS='1', S3POT_QUIET='1', HF_HUB_OFFLINE='1')

def torchrun(n, script, *args, cwd):
    "`torchrun --standalone --nproc_per_node n --no-python <console script> args` (CPU, gloo)."
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(n), '--no-python',
           str(BIN/script), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=ENV)

def ok(r):
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-5000:])
    return r

def files(folder):
    "Relative paths of every file under folder (hidden temporaries included)."
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob('*') if p.is_file())

def same_arrays(a, b):
    "Every .npy under a equals (bitwise) its twin under b; returns how many were compared."
    na = [f for f in files(a) if f.endswith('.npy')]
    assert na and na == [f for f in files(b) if f.endswith('.npy')]
    for f in na:
        x, y = np.load(Path(a)/f), np.load(Path(b)/f)
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), f
    return len(na)

def no_seconds(p):
    d = json.loads(Path(p).read_text()); d.pop('seconds', None); return d

@pytest.fixture(scope='module')
def tiny(textures, tmp_path_factory):
    "Tiny SynthOcc (10 train / 5 val / 7 test at 128 px) and a params file in the repository's layout."
    from s3pot.collect import CollectCfg, collect
    d = tmp_path_factory.mktemp('ddp')
    collect(CollectCfg(n_train=10, n_val=5, n_test=7, textures=str(textures), workers=1, gallery_n=4), 5,
            d/'artifacts/synthocc', None, None)
    P = yaml.safe_load((ROOT/'params.yaml').read_text())
    params = {'base': {'seed': 3},
              'sam': dict(P['sam'], checkpoint=str(ROOT/'models/sam_tiny.pth')),
              # batch sizes that split unevenly: 10 images in batches of 4, 4, 2 -> rank 0 gets 4 rows, rank 1 gets 6
              'reference': {'parser': str(ROOT/'models/parser'), 'generator': str(ROOT/'models/generator'),
                            'batch_size': 4, 'threads': 1, 'figure_n': 4},
              'embed': {'kinds': ['raw', 'reference'], 'src': 'artifacts/synthocc', 'batch_size': 4, 'threads': 1},
              'prompt_sets': {'main': P['prompt_sets']['main']},
              # 10 images in batches of 3, 3, 3, 1: shares of 2/1 images, and an empty share (rank 0) in the last batch
              'train': dict(P['train'], epochs=2, batch_size=3, max_images=0, threads=1),
              'ablations': {'full': {'prompt_set': 'main'}}}
    (d/'params.yaml').write_text(yaml.safe_dump(params))
    return d

@pytest.fixture(scope='module')
def reference_runs(tiny):
    "reference: one process (into artifacts/reference, which embed reads) and 2 processes (into ref2)."
    d = tiny
    ok(run_cli('s3pot-reference', '--params', 'params.yaml', '--data', 'artifacts/synthocc', '--out', 'artifacts/reference',
               '--metrics', 'm1.json', '--figures', '', cwd=d))
    r2 = ok(torchrun(2, 's3pot-reference', '--params', 'params.yaml', '--data', 'artifacts/synthocc', '--out', 'ref2',
                     '--metrics', 'm2.json', '--figures', '', cwd=d))
    return d, r2

def test_reference_two_processes_equal_one(reference_runs):
    d, r2 = reference_runs
    assert same_arrays(d/'artifacts/reference', d/'ref2') == 9          # parsing, reference, flat per split: bitwise
    assert files(d/'artifacts/reference') == files(d/'ref2')            # rank 1 wrote nothing extra, no temporaries left
    assert no_seconds(d/'artifacts/reference/info.json') == no_seconds(d/'ref2/info.json')
    assert no_seconds(d/'m1.json') == no_seconds(d/'m2.json')           # rank 0's measurements on the gathered arrays
    assert r2.stdout.count('s3pot-reference:') == 1                     # one summary line: rank 0's

@pytest.fixture(scope='module')
def embed_runs(reference_runs):
    d, _ = reference_runs
    ok(run_cli('s3pot-embed', '--params', 'params.yaml', '--out', 'emb0', cwd=d))
    ok(torchrun(1, 's3pot-embed', '--params', 'params.yaml', '--out', 'emb1', cwd=d))
    r2 = ok(torchrun(2, 's3pot-embed', '--params', 'params.yaml', '--out', 'emb2', cwd=d))
    return d, r2

def test_embed_one_and_two_processes_equal_plain(embed_runs):
    d, r2 = embed_runs
    for other in ('emb1', 'emb2'):
        assert same_arrays(d/'emb0', d/other) == 6                      # raw + reference per split: bitwise
        assert files(d/'emb0') == files(d/other)
        assert no_seconds(d/'emb0/meta.json') == no_seconds(d/other/'meta.json')   # md5s of sources and checkpoint too
        for s in ('train', 'val', 'test'): assert (d/'emb0'/s/'index.csv').read_bytes() == (d/other/s/'index.csv').read_bytes()
    assert r2.stdout.count('s3pot-embed:') == 1

@pytest.fixture(scope='module')
def train_runs(embed_runs):
    d, _ = embed_runs
    (d/'artifacts/embed').mkdir(exist_ok=True)
    (d/'artifacts/embed/tiny').symlink_to(d/'emb0')
    ok(run_cli('s3pot-prompts', '--name', 'main', '--params', 'params.yaml', cwd=d))
    ok(run_cli('s3pot-train', '--variant', 'full', '--params', 'params.yaml', '--out', 'm1', cwd=d))
    (d/'two').mkdir()   # the metrics file is written relative to the working folder
    r2 = ok(torchrun(2, 's3pot-train', '--variant', 'full', '--params', d/'params.yaml', '--out', d/'m2',
                     '--prompts_root', d/'artifacts/prompts', '--embed_root', d/'artifacts/embed', cwd=d/'two'))
    return d, r2

def test_train_two_processes_match_one(train_runs):
    d, r2 = train_runs
    a, b = torch.load(d/'m1/screen.pth', weights_only=True), torch.load(d/'m2/screen.pth', weights_only=True)
    assert set(a) == set(b)
    for k in a: torch.testing.assert_close(b[k], a[k], atol=1e-6, rtol=0, msg=lambda m: f"{k}: {m}")
    assert (a['norm.weight'] - 1).abs().max() > 1e-4                   # the layer did train (LayerNorm starts at 1)
    h1, h2 = pd.read_csv(d/'m1/history.csv'), pd.read_csv(d/'m2/history.csv')
    assert len(h1) == len(h2) == 2
    for c in ('loss', 'rec', 'occ', 'pun', 'val_loss', 'lr'): np.testing.assert_allclose(h2[c], h1[c], rtol=1e-5, atol=1e-7, err_msg=c)
    assert files(d/'m1') == files(d/'m2')                               # same files (last.pth, screen.pth, ...), written once
    m1, m2 = json.loads((d/'metrics/train/full.json').read_text()), json.loads((d/'two/metrics/train/full.json').read_text())
    assert m1['images'] == m2['images'] == 10 and m1['epochs'] == m2['epochs'] == 2
    assert r2.stdout.count('s3pot-train:') == 1
