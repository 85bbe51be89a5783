"End-to-end and bad-input tests of the predictor and `s3pot-segment`, with tiny randomly initialised components."
import io, json
import numpy as np, pytest, torch
from PIL import Image
from conftest import run_cli

@pytest.fixture(scope='module')
def model_dir(tmp_path_factory, textures):
    from s3pot.sam import build_sam, SamBackbone, SamCfg
    from s3pot.parser import ParserNet, save_parser, load_parser
    from s3pot.generator import GeneratorCfg, make_unet, ColourPrior, ResidualDiffusionGenerator
    from s3pot.prompts import ScreeningLayer
    from s3pot.predict import S3POT
    from s3pot.synthocc import make_sample, load_textures
    d = tmp_path_factory.mktemp('model')
    torch.manual_seed(0)
    tex = load_textures(textures)
    faces = [make_sample(np.random.default_rng(i), 'hand', 128, tex) for i in range(6)]
    clean = np.stack([f['clean'] for f in faces]); par = np.stack([f['parsing'] for f in faces])
    save_parser(ParserNet(channels=(8, 16, 32), fine=8), d/'parser')
    gcfg = GeneratorCfg(size=32, channels=(8, 16, 32), sample_steps=2)
    gen = ResidualDiffusionGenerator.from_cfg(gcfg, make_unet(gcfg), ColourPrior.fit(clean, par, max_faces=6))
    gen.save_pretrained(d/'generator')
    sam_cfg = SamCfg(checkpoint=None)
    bb = SamBackbone.from_cfg(sam_cfg)
    S3POT(load_parser(d/'parser'), gen, bb, ScreeningLayer(bb.dim, 4), size=128, sam_cfg=sam_cfg).save_pretrained(d/'s3pot', d/'parser', d/'generator')
    return d/'s3pot', np.stack([f['image'] for f in faces])

def test_predict_roundtrip(model_dir):
    from s3pot.predict import S3POT
    folder, images = model_dir
    s3 = S3POT.from_pretrained(folder)
    im = np.asarray(Image.fromarray(images[0]).resize((200, 160)))
    r = s3.predict(im)
    assert r.mask.shape == (160, 200) and r.mask.dtype == bool
    assert r.reference.shape == (128, 128, 3) and r.parsing.shape == (128, 128)
    assert len(r.points) == len(r.labels) and set(np.unique(r.labels)) <= {0, 1}
    r2 = S3POT.from_pretrained(folder).predict(im)
    assert np.array_equal(r.mask, r2.mask) and np.array_equal(r.reference, r2.reference)   # deterministic
    ra = s3.predict(im, adapt_steps=3)
    assert ra.mask.shape == (160, 200)

def test_segment_cli_bad_inputs(model_dir, tmp_path):
    folder, images = model_dir
    src = tmp_path/'in'; src.mkdir()
    for i in range(4): Image.fromarray(images[i]).save(src/f'face{i}.png')
    Image.fromarray(images[4][..., 0]).save(src/'gray.png')
    buf = io.BytesIO(); Image.fromarray(images[5]).save(buf, 'PNG'); (src/'corrupt.png').write_bytes(buf.getvalue()[:120])
    out = tmp_path/'out'
    r = run_cli('s3pot-segment', src, '--model', folder, '--out', out, '--overlay')
    assert r.returncode != 0
    assert 'corrupt.png' in r.stderr and 'corrupt or truncated' in r.stderr
    masks = sorted(p.name for p in out.glob('*_mask.png'))
    assert masks == ['face0_mask.png', 'face1_mask.png', 'face2_mask.png', 'face3_mask.png', 'gray_mask.png']
    assert len(list(out.glob('*_overlay.png'))) == 5
    assert not list(out.glob('.*.tmp')), 'temporary files left behind'
    s = json.loads((out/'summary.json').read_text())
    assert set(s['images']) == {'face0.png', 'face1.png', 'face2.png', 'face3.png', 'gray.png'} and 'corrupt.png' in s['errors']
    m = np.asarray(Image.open(out/'face0_mask.png'))
    assert m.shape == (128, 128) and set(np.unique(m)) <= {0, 255}

def test_segment_cli_missing_model(tmp_path):
    (tmp_path/'in').mkdir(); Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path/'in'/'a.png')
    r = run_cli('s3pot-segment', tmp_path/'in', '--model', tmp_path/'nope', '--out', tmp_path/'o')
    assert r.returncode != 0 and 's3pot.json' in r.stderr
