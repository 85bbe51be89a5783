"""Paper-scale profile end to end on CPU with random-weight models saved in the real formats (s3pot-paper-kit):
s3pot-segment with the profile (full-resolution masks, several faces, no face, corrupt file, 16-bit PNG), the
profile's DVC pipeline (import with detection + labelme ground truth -> reference -> embed -> prompts -> train ->
evaluate -> segment), and the up-front check of missing user files."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pytest, yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'S3POT_QUIET': '1', 'HF_HUB_OFFLINE': '1', 'DVC_NO_ANALYTICS': '1', 'OMP_WAIT_POLICY': 'PASSIVE'}
SEGMENTED = {}   # masks of test_segment_with_paper_profile, compared with the pipeline's segment stage (determinism)
FAST = dict(train={'epochs': 1, 'threads': 2, 'batch_size': 4}, reference={'threads': 2, 'batch_size': 2},
            embed={'threads': 2}, segment={'screen': ''})

def run(args, cwd=ROOT, check=False):
    r = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True)
    if check and r.returncode: raise AssertionError(f"{args} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r

@pytest.fixture(scope='module')
def kit(tmp_path_factory):
    from s3pot.paper import paper_kit, kit_profile
    d = tmp_path_factory.mktemp('kit')
    k = paper_kit(d/'user', 'tiny1024')
    k['params'] = str(kit_profile(k, d/'params.yaml', **FAST))
    return k

def test_check_profile_names_every_missing_file(tmp_path):
    from s3pot.paper import kit_profile
    p = kit_profile({'sam': str(tmp_path/'sam_vit_h_4b8939.pth'), 'parser': f'bisenet:{tmp_path}/79999_iter.pth',
                     'generator': f'diffusers:{tmp_path}/gen', 'photos': str(tmp_path/'photos')}, tmp_path/'p.yaml')
    r = run(['s3pot-check-profile', '--params', str(p)])
    assert r.returncode == 1
    for what in ('sam.checkpoint', 'sam_vit_h_4b8939.pth', 'reference.parser', '79999_iter.pth', 'reference.generator',
                 'model_index.json', 'photos.folder'):
        assert what in r.stderr, (what, r.stderr)
    r = run(['s3pot-segment', str(tmp_path), '--model', str(p), '--out', str(tmp_path/'out')])
    assert r.returncode == 1 and 'sam_vit_h_4b8939.pth' in r.stderr and not (tmp_path/'out'/'summary.json').exists()

def test_segment_with_paper_profile(kit, tmp_path):
    out = tmp_path/'seg'
    r = run(['s3pot-segment', kit['photos'], '--model', kit['params'], '--out', str(out), '--overlay'])
    assert r.returncode == 1, r.stderr                       # the corrupt file makes the batch exit non-zero ...
    assert 'broken.jpg' in r.stderr and 'no face found' in r.stderr
    s = json.loads((out/'summary.json').read_text())
    assert set(s['images']) == {'astronaut.png', 'astronaut_mic.jpg', 'two_faces.png', 'astronaut_16bit.png'}   # ... the rest is processed
    assert set(s['no_face']) == {'no_face.png'} and set(s['errors']) == {'broken.jpg'}
    assert s['images']['two_faces.png']['faces'] == 2 and len(s['images']['two_faces.png']['per_face']) == 2
    for name, info in s['images'].items():                   # full-resolution masks
        m = np.asarray(Image.open(out/f'{Path(name).stem}_mask.png'))
        w, h = Image.open(Path(kit['photos'])/name).size
        assert m.shape == (h, w) == tuple(info['size']), (name, m.shape, (h, w))
        assert set(np.unique(m)) <= {0, 255}
        for f in info['per_face']: assert {'parse', 'reference', 'encode', 'fe_ps', 'decode'} <= set(f['seconds'])
    assert not list(out.glob('broken*')) and not list(out.glob('no_face*'))
    SEGMENTED['masks'] = {n: np.asarray(Image.open(out/f'{Path(n).stem}_mask.png')) for n in s['images']}

def _repo_copy(dst):
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT, capture_output=True).stdout.split(b'\0')
    for f in files:
        f = f.decode()
        if not f or not (ROOT/f).is_file() or f.startswith(('nbs/', 'results/', 'metrics/')): continue
        (dst/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, dst/f)

def test_paper_pipeline_dvc_repro(kit, tmp_path):
    repo = tmp_path/'repo'; repo.mkdir(); _repo_copy(repo)
    shutil.copy(kit['params'], repo/'profiles/paper/params.yaml')
    run(['git', 'init', '-q'], repo, check=True)
    r = run(['dvc', 'repro', 'profiles/paper/dvc.yaml'], repo)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    man = __import__('pandas').read_csv(repo/'runs/paper/photos/manifest.csv')
    assert len(man) == 5 and man.source.nunique() == 4 and int(man.has_gt.sum()) == 1        # two_faces.png gives 2 faces
    errs = json.loads((repo/'runs/paper/photos/errors.json').read_text())['errors']
    assert any('no_face.png' in e for e in errs) and any('broken.jpg' in e for e in errs)
    ev = json.loads((repo/'runs/paper/metrics/eval/full.json').read_text())
    assert ev['all']['n'] == 1 and 0 <= ev['all']['occ_iou'] <= 1                          # the labelme-annotated photo
    assert (repo/'runs/paper/models/full/screen.pth').exists()
    assert len(list((repo/'runs/paper/segment').glob('*_mask.png'))) == 4
    for name, m in SEGMENTED.get('masks', {}).items():      # the same params as the direct s3pot-segment run: the same masks
        assert (np.asarray(Image.open(repo/'runs/paper/segment'/f'{Path(name).stem}_mask.png')) == m).all(), name
    st = run(['dvc', 'status', 'profiles/paper/dvc.yaml'], repo, check=True)
    assert 'up to date' in st.stdout, st.stdout
