"Diffusers backend: tiny pipeline round trip (save -> load -> generate), the saved folder's keys, bad folders and inputs."
import json, shutil, subprocess, sys
import numpy as np, pytest, torch
from safetensors import safe_open
from s3pot.diffusion import (DiffusersGenerator, load_diffusers_generator, tiny_diffusers_pipeline, tiny_diffusers_components,
                             read_model_index, composite_alpha)
from s3pot.generator import GENERATOR_BACKENDS, load_generator
from s3pot.synthocc import make_sample, builtin_textures, FACE_PROMPT_CLASSES

CLASSES = dict(vae='AutoencoderKL', text_encoder='CLIPTextModel', tokenizer='CLIPTokenizer', unet='UNet2DConditionModel',
               controlnet='ControlNetModel', scheduler='DDIMScheduler')
WEIGHTS = dict(vae='diffusion_pytorch_model.safetensors', unet='diffusion_pytorch_model.safetensors',
               controlnet='diffusion_pytorch_model.safetensors', text_encoder='model.safetensors')

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    torch.set_num_threads(1)
    return tiny_diffusers_pipeline(tmp_path_factory.mktemp('diffusers')/'tiny', seed=3, settings=dict(steps=2, strength=0.8, guidance_scale=2.0))

@pytest.fixture(scope='module')
def faces():
    tex = builtin_textures()
    s = [make_sample(np.random.default_rng(k), f, 128, tex) for k, f in ((1, 'hand'), (2, 'medical_mask'))]
    return np.stack([x['image'] for x in s]), np.stack([x['parsing'] for x in s])

@pytest.fixture(scope='module')
def gen(tiny): return load_diffusers_generator(tiny, device='cpu')

def test_key_listing(tiny):
    mi = json.loads((tiny/'model_index.json').read_text())
    assert mi['_class_name'] == 'StableDiffusionControlNetImg2ImgPipeline'
    assert {k: v[1] for k, v in mi.items() if isinstance(v, list) and None not in v} == CLASSES
    assert read_model_index(tiny)[1] == {k: (('transformers' if k.startswith(('text', 'tok')) else 'diffusers'), c) for k, c in CLASSES.items()}
    fresh = tiny_diffusers_components(seed=3)
    for name, fn in WEIGHTS.items():
        with safe_open(str(tiny/name/fn), 'pt') as f:
            saved = set(f.keys())
            sd = fresh[name].state_dict()
            assert saved == set(sd), (name, sorted(saved ^ set(sd))[:5])
            k = sorted(saved)[len(saved) // 2]
            assert torch.equal(f.get_tensor(k), sd[k]), (name, k)    # the builder is deterministic given its seed
    assert json.loads((tiny/'scheduler'/'scheduler_config.json').read_text())['_class_name'] == 'DDIMScheduler'
    assert json.loads((tiny/'s3pot_generator.json').read_text())['backend'] == 'diffusers'

def test_round_trip(gen, faces, tiny):
    X, Y = faces
    r = gen.generate(X, Y, seed=0, keys=['a', 'b'])
    assert r.shape == X.shape and r.dtype == np.uint8 and gen.size == 32 and gen.cfg.steps == 2
    np.testing.assert_array_equal(gen.generate(X, Y, seed=0, keys=['a', 'b']), r)              # deterministic
    np.testing.assert_array_equal(gen.generate(X[1:], Y[1:], seed=0, keys=['b']), r[1:])       # alone in its batch
    np.testing.assert_array_equal(gen.generate(X[::-1], Y[::-1], seed=0, keys=['b', 'a']), r[::-1])
    assert (gen.generate(X, Y, seed=1, keys=['a', 'b']) != r).any()
    assert (gen.generate(X, Y, seed=0, keys=['c', 'b'])[0] != r[0]).any()
    far = composite_alpha(Y[0], feather=gen.cfg.feather) == 0       # outside the feathered face region: the photo itself
    assert far.mean() > 0.3 and (r[0][far] == X[0][far]).all()
    face = np.isin(Y[0], FACE_PROMPT_CLASSES)
    assert np.abs(r[0][face].astype(int) - X[0][face]).mean() > 5
    assert GENERATOR_BACKENDS['diffusers'] is DiffusersGenerator and isinstance(load_generator(tiny), DiffusersGenerator)

def test_parsing_guides_the_pipeline(gen, faces):
    X, Y = faces
    Y2 = Y[:1].copy(); Y2[np.isin(Y2, FACE_PROMPT_CLASSES)] = 6
    assert (gen.raw(X[:1], Y2, keys=['a']) != gen.raw(X[:1], Y[:1], keys=['a'])).any()

def _bad(tiny, tmp_path, drop=None, edit=None):
    d = tmp_path/'bad'; shutil.copytree(tiny, d)
    if drop: shutil.rmtree(d/drop) if (d/drop).is_dir() else (d/drop).unlink()
    if edit: mi = json.loads((d/'model_index.json').read_text()); edit(mi); (d/'model_index.json').write_text(json.dumps(mi))
    return d

@pytest.mark.parametrize('drop,edit,err,msg', [
    ('model_index.json', None, FileNotFoundError, 'no model_index.json, not a diffusers pipeline folder'),
    ('unet', None, FileNotFoundError, "sub-folder 'unet/' missing (model_index.json lists UNet2DConditionModel)"),
    (None, lambda m: m.update(_class_name='FluxPipeline'), ValueError, 'pipeline class FluxPipeline is not supported'),
    (None, lambda m: m.update(_class_name='StableDiffusionImg2ImgPipeline'), ValueError, 'pass controlnet='),
    (None, lambda m: m.update(vae=['diffusers', 'AutoencoderTiny']), ValueError, "component 'vae' is AutoencoderTiny, expected AutoencoderKL"),
    (None, lambda m: m.pop('text_encoder'), ValueError, "component 'text_encoder' missing (expected CLIPTextModel)"),
])
def test_bad_folder(tiny, tmp_path, drop, edit, err, msg):
    d = _bad(tiny, tmp_path, drop, edit)
    with pytest.raises(err) as e: load_diffusers_generator(d, device='cpu')
    assert msg in str(e.value) and str(d) in str(e.value)

def test_bad_settings_and_inputs(tiny, gen, faces, tmp_path):
    X, Y = faces
    with pytest.raises(FileNotFoundError, match='no such folder'): load_diffusers_generator(tmp_path/'nope')
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['strenght'\]"): load_diffusers_generator(tiny, strenght=0.5)
    with pytest.raises(ValueError, match='do not match their images'): gen.generate(X, Y[:, :64])
    with pytest.raises(ValueError, match='uint8'): gen.generate(X.astype(np.float32), Y)
    with pytest.raises(ValueError, match='square'): gen.generate(X[:, :96], Y[:, :96])
    with pytest.raises(ValueError, match='1 keys for 2 images'): gen.generate(X, Y, keys=[0])
    with pytest.raises(ValueError, match=r'parsing ids must be 0\.\.11'): gen.generate(X, np.full(Y.shape, 12, Y.dtype))

def test_import_is_light():
    code = "import sys, s3pot.diffusion; bad = [m for m in ('transformers', 'diffusers') if m in sys.modules]; assert not bad, bad"
    subprocess.run([sys.executable, '-c', code], check=True)
