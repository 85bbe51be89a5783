"Parser: the 19->12 label mappings, the pluggable interface and checkpoint errors."
import numpy as np, pytest, torch
from s3pot.parser import (to12, LABEL_MAPS, CELEBAMASK_CLASSES, BISENET_CLASSES, CLASSES, CallableParser, NetParser,
                          ParserNet, ParserCfg, save_parser, load_parser, train_parser, confusion, iou_per_class)

# the authors' mapping (reference_face_generate.py), written out by name
EXPECTED = {'background': 'background', 'skin': 'skin', 'nose': 'nose', 'eye_g': 'eyeglasses', 'l_eye': 'eyes',
            'r_eye': 'eyes', 'l_brow': 'eyebrows', 'r_brow': 'eyebrows', 'l_ear': 'ears', 'r_ear': 'ears',
            'mouth': 'inner_mouth', 'u_lip': 'lip', 'l_lip': 'lip', 'hair': 'hair', 'hat': 'background',
            'ear_r': 'earrings', 'neck_l': 'background', 'neck': 'neck', 'cloth': 'background'}

@pytest.mark.parametrize('scheme,names', [('celebamask', CELEBAMASK_CLASSES), ('bisenet', BISENET_CLASSES)])
def test_19_to_12_by_name(scheme, names):
    assert len(names) == 19 and set(names) == set(EXPECTED)
    got = to12(np.arange(19), scheme)
    assert [CLASSES[c] for c in got] == [EXPECTED[n] for n in names]

def test_19_to_12_maps_label_maps():
    rng = np.random.default_rng(0)
    lab = rng.integers(0, 19, (3, 16, 16))
    out = to12(lab, 'bisenet')
    assert out.shape == lab.shape and out.dtype == np.uint8
    assert (out[lab == 12] == 1).all() and (out[lab == 13] == 1).all()   # upper / lower lip -> lip
    assert (out[lab == 17] == 4).all()                                   # hair
    with pytest.raises(ValueError, match='0..18'): to12(np.array([-1]), 'celebamask')
    np.testing.assert_array_equal(to12(np.arange(12), '12'), np.arange(12))

def test_callable_parser_maps_and_checks():
    ims = np.zeros((2, 32, 32, 3), np.uint8)
    celeb = CallableParser(lambda x: np.full(x.shape[:3], CELEBAMASK_CLASSES.index('ear_r')), 'celebamask')
    assert (celeb(ims) == CLASSES.index('earrings')).all()
    with pytest.raises(ValueError, match='does not match the images'):
        CallableParser(lambda x: np.zeros((2, 16, 16)), '12')(ims)
    with pytest.raises(ValueError, match='unknown label scheme'): CallableParser(lambda x: x, 'lapa')

def test_user_parser_by_spec(tmp_path, monkeypatch):
    (tmp_path/'myparser.py').write_text("import numpy as np\ndef parse(images): return np.full(images.shape[:3], 10)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    p = load_parser('myparser:parse', scheme='bisenet')          # BiSeNet id 10 = nose
    assert (p(np.zeros((1, 8, 8, 3), np.uint8)) == CLASSES.index('nose')).all()
    with pytest.raises(ValueError, match='has no attribute'): load_parser('myparser:nothing')

def test_checkpoint_errors_name_the_problem(tmp_path):
    save_parser(ParserNet((8, 16)), tmp_path/'a')
    save_parser(ParserNet((8, 24)), tmp_path/'b')
    (tmp_path/'b'/'config.json').write_text((tmp_path/'a'/'config.json').read_text())
    with pytest.raises(ValueError, match=r'wrong shapes: .*expected'): load_parser(tmp_path/'b')
    with pytest.raises(FileNotFoundError, match='no such folder'): load_parser(tmp_path/'c')
    (tmp_path/'a'/'model.safetensors').unlink()
    with pytest.raises(FileNotFoundError, match='model.safetensors missing'): load_parser(tmp_path/'a')

def test_training_is_deterministic_and_never_needs_occlusions():
    from s3pot.synthocc import render_face, builtin_textures
    tex = builtin_textures()
    f = [render_face(np.random.default_rng(i), 64, tex) for i in range(4)]
    X, Y = np.stack([a['clean'] for a in f]), np.stack([a['parsing'] for a in f])
    cfg = ParserCfg(channels=(8, 16), steps=4, batch_size=2, crop=32, threads=1)
    a, b = train_parser(cfg, X, Y, seed=3), train_parser(cfg, X, Y, seed=3)
    for u, v in zip(a.state_dict().values(), b.state_dict().values()): assert torch.equal(u, v)
    np.testing.assert_array_equal(NetParser(a)(X), NetParser(b)(X))
    assert np.isclose(np.nanmean(iou_per_class(confusion(Y, Y))), 1.0)
