"The three RG stages end to end on a tiny SynthOcc, through their console scripts."
import json
import numpy as np, pytest, yaml
from s3pot.collect import CollectCfg, collect
from s3pot.core import load_split
from conftest import run_cli

PARAMS = {'base': {'seed': 7},
          'parser': {'channels': [8, 16, 16], 'steps': 6, 'batch_size': 4, 'crop': 32, 'threads': 1, 'eval_n': 4},
          'generator': {'size': 32, 'channels': [8, 16, 16], 'steps': 6, 'batch_size': 4, 'threads': 1,
                        'prior_faces': 12, 'sample_steps': 2},
          'reference': {'threads': 1, 'figure_n': 4, 'batch_size': 16}}

@pytest.fixture(scope='module')
def pipeline(textures, tmp_path_factory):
    d = tmp_path_factory.mktemp('rg')
    collect(CollectCfg(size=64, n_train=12, n_val=4, n_test=9, textures=str(textures), workers=1, gallery_n=4), 3,
            d/'synthocc', None, None)
    (d/'params.yaml').write_text(yaml.safe_dump(PARAMS))
    for cmd, args in [('s3pot-parser', ['--out', d/'models/parser', '--ckpt', '']),
                      ('s3pot-generator', ['--out', d/'models/generator', '--ckpt', ''])]:
        r = run_cli(cmd, '--params', d/'params.yaml', '--data', d/'synthocc', *args, cwd=d)
        assert r.returncode == 0, r.stderr[-2000:]
    r = run_cli('s3pot-reference', '--params', d/'params.yaml', '--data', d/'synthocc', '--out', d/'ref',
                '--metrics', d/'reference.json', '--figures', d/'fig', cwd=d)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'removal generator' in r.stdout
    return d

def test_outputs_in_the_aligned_frame(pipeline):
    d = pipeline
    for split, n in [('train', 12), ('val', 4), ('test', 9)]:
        p, r = np.load(d/'ref'/split/'parsing.npy'), np.load(d/'ref'/split/'reference.npy')
        assert p.shape == (n, 64, 64) and p.dtype == np.uint8 and p.max() <= 11
        assert r.shape == (n, 64, 64, 3) and r.dtype == np.uint8
    assert (d/'fig'/'reference_test.png').stat().st_size > 5000
    assert (d/'models/generator/unet/diffusion_pytorch_model.safetensors').exists()
    assert json.loads((d/'models/parser/config.json').read_text())['training']['steps'] == 6

def test_metrics_report_format(pipeline):
    m = json.loads((pipeline/'reference.json').read_text())
    for k in ('parser_miou_clean', 'occluder_as_face_share'): assert 0 <= m[k] <= 1
    fams = set(load_split(pipeline/'synthocc', 'test')['manifest']['family'])
    for kind in ('generator', 'flat'):
        assert set(m['removal_ratio'][kind]) == fams | {'all'}
        assert m['removal_ratio'][kind]['all'] >= 0
        assert np.isfinite(m['psnr_outside'][kind]) and 0 <= m['l1_outside'][kind] <= 1

def test_reference_is_reproducible_and_kinds_switch(pipeline):
    d = pipeline
    p = yaml.safe_load((d/'params.yaml').read_text())
    r = run_cli('s3pot-reference', '--params', d/'params.yaml', '--data', d/'synthocc', '--out', d/'ref2',
                '--metrics', '', '--figures', '', cwd=d)
    assert r.returncode == 0, r.stderr[-2000:]
    np.testing.assert_array_equal(np.load(d/'ref'/'test'/'reference.npy'), np.load(d/'ref2'/'test'/'reference.npy'))
    p['reference'].update(kind='oracle', splits=['test']); (d/'o.yaml').write_text(yaml.safe_dump(p))
    r = run_cli('s3pot-reference', '--params', d/'o.yaml', '--data', d/'synthocc', '--out', d/'ref3',
                '--metrics', '', '--figures', '', cwd=d)
    assert r.returncode == 0, r.stderr[-2000:]
    np.testing.assert_array_equal(np.load(d/'ref3'/'test'/'reference.npy'), np.load(d/'synthocc'/'test'/'clean.npy'))

def test_bad_params_fail_clearly(pipeline):
    d = pipeline
    p = yaml.safe_load((d/'params.yaml').read_text()); p['reference']['kind'] = 'gan'
    (d/'bad.yaml').write_text(yaml.safe_dump(p))
    r = run_cli('s3pot-reference', '--params', d/'bad.yaml', '--data', d/'synthocc', cwd=d)
    assert r.returncode != 0 and 'reference.kind must be one of' in r.stderr
    p['reference']['kind'] = 'generator'; p['generator'] = {'stepz': 3}
    (d/'bad2.yaml').write_text(yaml.safe_dump(p))
    r = run_cli('s3pot-generator', '--params', d/'bad2.yaml', '--data', d/'synthocc', cwd=d)
    assert r.returncode != 0 and "unknown key(s) ['stepz']" in r.stderr
