"`s3pot-fusion` end to end on a tiny SynthOcc (contrast_fusion row; the SAM row is covered by the quick pipeline), and its bad inputs."
import json
import numpy as np, pytest, yaml
from s3pot.collect import CollectCfg, collect
from s3pot.core import load_split, save_npy, save_json
from s3pot.evaluate import ground_truth, _iou
from conftest import run_cli

@pytest.fixture(scope='module')
def tiny(textures, tmp_path_factory):
    "SynthOcc at 64 px, a 'reference' that is the photo with the occluder pixels replaced by the clean face (but"
    "colour-shifted everywhere, as a generator would), the true parsing as prediction and a token contrast of 16x16 tokens."
    d = tmp_path_factory.mktemp('fusion')
    collect(CollectCfg(size=64, n_train=4, n_val=2, n_test=8, textures=str(textures), workers=1, gallery_n=2), 5, d/'synthocc', None, None)
    ds = load_split(d/'synthocc', 'test')
    clean, par, gt = np.asarray(ds['clean']), np.asarray(ds['parsing']), np.asarray(ds['gt'], bool)
    ref = np.clip(clean.astype(int) + 12, 0, 255).astype(np.uint8)
    save_npy(d/'ref'/'test'/'reference.npy', ref); save_npy(d/'ref'/'test'/'parsing.npy', par)
    tok_gt = gt.reshape(len(gt), 16, 4, 16, 4).mean((2, 4))
    con = (1 - 0.8 * tok_gt).astype(np.float16)
    pr = d/'prompts'/'main'/'test'
    for k, v in {'tokens': np.zeros(0, np.int32), 'labels': np.zeros(0, np.int8), 'offsets': np.zeros(len(gt) + 1, np.int64),
                 'region': np.ones((len(gt), 16, 16), bool), 'contrast': con, 'init': np.full(len(gt), -1, np.int32)}.items():
        save_npy(pr/f'{k}.npy', v)
    save_json(d/'prompts'/'main'/'meta.json', {'grid': [16, 16], 'image_size': [64, 64], 'cfg': {}})
    (d/'params.yaml').write_text(yaml.safe_dump({'base': {'seed': 3}, 'fusion': {'sam': 0, 'threads': 1}}))
    return d

def _run(d, params='params.yaml', prompts='prompts', out='m'):
    return run_cli('s3pot-fusion', '--params', d/params, '--data', d/'synthocc', '--reference_root', d/'ref',
                   '--prompts_root', d/prompts, '--metrics_dir', d/out, '--results_dir', d/f'{out}_r', '--time_dir', d/f'{out}_t', cwd=d)

def test_contrast_fusion_row(tiny):
    r = _run(tiny)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 's3pot-fusion: contrast_fusion: occluder IoU' in r.stdout and 'hybrid_sam' not in r.stdout
    m = json.loads((tiny/'m'/'contrast_fusion.json').read_text())
    assert m['all']['n'] == 8 and m['uses_labels'] is False and m['fusion']['w_pixel'] == 2.0
    assert not (tiny/'m'/'hybrid_sam.json').exists() and (tiny/'m_r'/'contrast_fusion.csv').exists()
    assert m['all']['occ_iou'] > 0.3, m['all']   # the reference is the clean face (colour-shifted): the occluders stand out

def test_fusion_bad_inputs(tiny):
    r = _run(tiny, prompts='nowhere', out='bad')
    assert r.returncode != 0 and 'no prompts (run the prompts stage)' in r.stderr and str(tiny/'nowhere') in r.stderr
    assert not (tiny/'bad').exists()
    p = yaml.safe_load((tiny/'params.yaml').read_text()); p['fusion']['sigma'] = -1
    (tiny/'bad.yaml').write_text(yaml.safe_dump(p))
    r = _run(tiny, params='bad.yaml', out='bad2')
    assert r.returncode != 0 and 'fusion.sigma must be >= 0' in r.stderr and not (tiny/'bad2').exists()
    p['fusion'] = {'sigmaa': 1}; (tiny/'bad3.yaml').write_text(yaml.safe_dump(p))
    r = _run(tiny, params='bad3.yaml', out='bad3')
    assert r.returncode != 0 and "unknown key(s) ['sigmaa']" in r.stderr
