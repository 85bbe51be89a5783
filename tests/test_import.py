"Bad-input test of s3pot-import: per-file errors, non-zero exit, the good files imported."
import io, json
import numpy as np, pandas as pd
from PIL import Image
from conftest import run_cli

def _face(h=64, w=64, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)

def test_import_bad_inputs(tmp_path):
    src = tmp_path/'photos'; src.mkdir()
    # good: RGB + labelme polygon; RGB + mask PNG; RGB without ground truth; grayscale and RGBA (documented conversions)
    Image.fromarray(_face()).save(src/'good_json.png')
    (src/'good_json.json').write_text(json.dumps({'imageHeight': 64, 'imageWidth': 64,
        'shapes': [{'label': 'hand', 'points': [[10, 10], [50, 10], [50, 40]], 'shape_type': 'polygon'}]}))
    Image.fromarray(_face(seed=1)).save(src/'good_mask.jpg')
    m = np.zeros((64, 64), np.uint8); m[20:40, 20:40] = 255; Image.fromarray(m).save(src/'good_mask_mask.png')
    Image.fromarray(_face(seed=2)).save(src/'no_gt.png')
    Image.fromarray(_face(seed=3)[..., 0]).save(src/'gray.png')
    Image.fromarray(np.dstack([_face(seed=4), np.full((64, 64), 200, np.uint8)])).save(src/'rgba.png')
    # bad: corrupt PNG, a text file, mask of the wrong size, JSON with no polygons
    buf = io.BytesIO(); Image.fromarray(_face()).save(buf, 'PNG'); (src/'corrupt.png').write_bytes(buf.getvalue()[:100])
    (src/'readme.txt').write_text('not an image')
    Image.fromarray(_face(seed=5)).save(src/'wrongsize.png'); Image.fromarray(np.zeros((32, 32), np.uint8)).save(src/'wrongsize_mask.png')
    Image.fromarray(_face(seed=6)).save(src/'empty_json.png')
    (src/'empty_json.json').write_text(json.dumps({'imageHeight': 64, 'imageWidth': 64, 'shapes': []}))

    out = tmp_path/'out'
    r = run_cli('s3pot-import', src, '--out', out, '--size', 32)
    assert r.returncode != 0
    err = r.stderr
    for name, problem in [('corrupt.png', 'corrupt or truncated'), ('readme.txt', 'not an image'),
                          ('wrongsize_mask.png', 'does not match its image'), ('empty_json.json', 'no polygons')]:
        assert any(name in l and problem in l for l in err.splitlines()), (name, err)
    assert err.count('error:') == 4
    man = pd.read_csv(out/'manifest.csv')
    assert sorted(man.source) == ['good_json.png', 'good_mask.jpg', 'gray.png', 'no_gt.png', 'rgba.png']
    notes = dict(zip(man.source, man.notes.fillna('')))
    assert notes['gray.png'] == 'grayscale replicated to RGB' and notes['rgba.png'] == 'alpha composited over white'
    img, gt = np.load(out/'real/image.npy'), np.load(out/'real/gt.npy')
    assert img.shape == (5, 32, 32, 3) and gt.shape == (5, 32, 32)
    has = dict(zip(man.source, man.has_gt))
    assert has == {'good_json.png': 1, 'good_mask.jpg': 1, 'gray.png': 0, 'no_gt.png': 0, 'rgba.png': 0}
    i = list(man.source).index('good_mask.jpg'); assert gt[i, 10:20, 10:20].all() and not gt[i, :8].any()
    assert not list(out.parent.glob('.out.*')), 'no temporary folder left behind'

def test_import_empty_folder(tmp_path):
    (tmp_path/'empty').mkdir()
    r = run_cli('s3pot-import', tmp_path/'empty', '--out', tmp_path/'o')
    assert r.returncode != 0 and 'no files' in r.stderr and not (tmp_path/'o').exists()
