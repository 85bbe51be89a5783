"SAM backbone: equivalence with SamPredictor (tiny and a random vit_b), checkpoint round trips and errors, CLIs."
import json
import numpy as np, pandas as pd, pytest, torch
from segment_anything import sam_model_registry
from s3pot.sam import build_sam, build_sam_tiny, predictor_equivalence, SamBackbone, CheckpointError, TinySamCfg
from conftest import run_cli

PTS, LAB = np.array([[40., 60.], [150., 90.], [10., 170.]]), np.array([1, 0, 1])

def _report(name, d):
    print(f"{name}: " + ', '.join(f"{k} max|diff| {v:.2e}" for k, v in d.items()))

def test_equivalence_tiny():
    torch.manual_seed(0); sam = build_sam_tiny()
    for p in sam.parameters(): p.data.normal_(0, 0.05)
    img = np.random.default_rng(0).integers(0, 256, (180, 240, 3), dtype=np.uint8)  # non-square: resize + pad
    d = predictor_equivalence(sam, img, PTS, LAB); _report('tiny', d)
    assert max(d.values()) < 1e-4, d

@pytest.fixture(scope='module')
def vit_b(tmp_path_factory):
    "A randomly initialised official vit_b and its state dict saved with torch.save(model.state_dict())."
    torch.manual_seed(0)
    sam = sam_model_registry['vit_b']()
    p = tmp_path_factory.mktemp('ckpt')/'sam_vit_b_random.pth'
    torch.save(sam.state_dict(), p)
    return sam, p

def test_equivalence_vit_b(vit_b):
    sam, _ = vit_b
    img = np.random.default_rng(1).integers(0, 256, (180, 240, 3), dtype=np.uint8)
    with torch.no_grad(): d = predictor_equivalence(sam, img, PTS, LAB)
    _report('vit_b (random)', d)
    assert max(d.values()) < 1e-4, d

def test_vit_b_checkpoint_loads_both_ways(vit_b):
    sam, p = vit_b
    ours = build_sam('vit_b', p)
    stock = sam_model_registry['vit_b'](checkpoint=str(p))
    ref = sam.state_dict()
    for m in (ours, stock):
        sd = m.state_dict()
        assert sd.keys() == ref.keys() and all(torch.equal(sd[k], ref[k]) for k in ref)

def test_missing_key_is_named(vit_b, tmp_path):
    sam, _ = vit_b
    sd = sam.state_dict(); del sd['mask_decoder.iou_prediction_head.layers.2.bias']
    torch.save(sd, tmp_path/'broken.pth')
    with pytest.raises(CheckpointError) as e: build_sam('vit_b', tmp_path/'broken.pth')
    msg = str(e.value); print(msg)
    assert 'broken.pth' in msg and "missing keys (1): ['mask_decoder.iou_prediction_head.layers.2.bias']" in msg

def test_wrong_model_shapes_are_named(vit_b):
    _, p = vit_b
    with pytest.raises(CheckpointError) as e: build_sam('tiny', p)
    msg = str(e.value)
    assert 'looks like a vit_b checkpoint' in msg and 'shape mismatches' in msg
    assert 'image_encoder.pos_embed: checkpoint (1, 64, 64, 768) vs model (1, 16, 16, 128)' in msg
    assert 'image_encoder.patch_embed.proj.weight: checkpoint (768, 3, 16, 16) vs model (128, 3, 8, 8)' in msg

def _fake_synthocc(root, n=4, size=128):
    rng = np.random.default_rng(0); rows = []
    for split in ('train', 'test'):
        (root/split).mkdir(parents=True)
        ims = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
        par = np.zeros((n, size, size), np.uint8); par[:, 30:100, 30:100] = 6; par[:, 50:60, 40:55] = 3; par[:, 50:60, 75:90] = 3
        gt = np.zeros((n, size, size), np.uint8); gt[:, 70:100, 40:90] = 1   # an occluder over the lower face
        np.save(root/split/'image.npy', ims); np.save(root/split/'clean.npy', ims); np.save(root/split/'parsing.npy', par)
        np.save(root/split/'gt.npy', gt)
        rows += [{'id': f'{split}_{i:05d}', 'split': split, 'family': 'shape', 'held_out': int(i % 2)} for i in range(n)]
    pd.DataFrame(rows).to_csv(root/'manifest.csv', index=False)

def test_pretrain_and_embed_cli(tmp_path, textures):
    _fake_synthocc(tmp_path/'ds')
    (tmp_path/'params.yaml').write_text(f"""
base: {{seed: 3}}
sam: {{model: tiny, checkpoint: {tmp_path/'m.pth'}}}
pretrain_sam: {{steps: 3, batch_size: 2, warmup: 1, eval_every: 0, eval_scenes: 4, face_eval_n: 2, oracle_n: 4, max_clicks: 3,
               dense_max: 32, threads: 1, textures: {textures}, synthocc: {tmp_path/'ds'}}}
embed: {{splits: [train, test], src: {tmp_path/'ds'}, batch_size: 3, threads: 1}}
""")
    r = run_cli('s3pot-pretrain-sam', '--params', tmp_path/'params.yaml', '--out', tmp_path/'m.pth', '--metrics', tmp_path/'m.json',
                '--figure', tmp_path/'fig.png', '--curve', tmp_path/'c.csv')
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'m.json').read_text())
    assert set(m['generic_miou']) == {'1', '3', '5', 'dense', 'holes'} and 0 <= m['face_parts_miou_1pt'] <= 1 and m['train_seconds'] > 0
    assert {k: set(v) for k, v in m['oracle_prompts'].items()} == {'face': {'seen', 'held_out'}, 'occluder': {'seen', 'held_out'}}
    assert m['face_parts']['parts'] == 6   # skin + two eyes per face
    assert (tmp_path/'fig.png').stat().st_size > 0
    build_sam('tiny', tmp_path/'m.pth')    # official format, loads through the builder
    r = run_cli('s3pot-embed', '--params', tmp_path/'params.yaml', '--out', tmp_path/'emb')
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path/'emb'/'test'/'raw.npy').shape == (4, 128, 16, 16)
    assert json.loads((tmp_path/'emb'/'meta.json').read_text())['splits']['train']['raw']['n'] == 4

def test_cli_errors(tmp_path):
    (tmp_path/'p.yaml').write_text("sam: {model: tiny, checkpoint: nowhere.pth}\nembed: {kinds: [raw]}\npretrain_sam: {stepz: 3}\n")
    r = run_cli('s3pot-embed', '--params', tmp_path/'p.yaml', cwd=tmp_path)
    assert r.returncode != 0 and 'nowhere.pth: checkpoint not found' in r.stderr
    r = run_cli('s3pot-pretrain-sam', '--params', tmp_path/'p.yaml', cwd=tmp_path)
    assert r.returncode != 0 and "unknown key(s) ['stepz']" in r.stderr

def test_vit_h_key_listing():
    "The vit_h state dict layout our loader expects is the official one: shapes of the public sam_vit_h_4b8939.pth (built on the meta device)."
    with torch.device('meta'): sd = sam_model_registry['vit_h']().state_dict()
    n = sum(v.numel() for v in sd.values())
    assert len(sd) == 594 and n == 641_090_864, (len(sd), n)                         # 2.56 GB in float32, as the public file
    assert tuple(sd['image_encoder.pos_embed'].shape) == (1, 64, 64, 1280)          # 1024 px / patch 16 = 64x64 tokens
    assert tuple(sd['image_encoder.patch_embed.proj.weight'].shape) == (1280, 3, 16, 16)
    assert sum(k.endswith('.attn.qkv.weight') for k in sd) == 32                    # 32 blocks
    assert tuple(sd['image_encoder.blocks.7.attn.rel_pos_h'].shape) == (127, 80)    # global attention blocks 7, 15, 23, 31
    assert tuple(sd['image_encoder.blocks.0.attn.rel_pos_h'].shape) == (27, 80)     # windowed (14) elsewhere
    assert tuple(sd['image_encoder.neck.0.weight'].shape) == (256, 1280, 1, 1)
    assert tuple(sd['mask_decoder.output_upscaling.0.weight'].shape) == (256, 64, 2, 2)

def test_vit_h_checkpoint_round_trip(tmp_path):
    "A random vit_h saved in the official format loads through build_sam exactly, and is refused by vit_b with its shapes named."
    torch.manual_seed(0)
    sam = sam_model_registry['vit_h']()
    p = tmp_path/'sam_vit_h_4b8939.pth'; torch.save(sam.state_dict(), p)
    ours = build_sam('vit_h', p)
    for k in ('image_encoder.pos_embed', 'image_encoder.blocks.31.mlp.lin2.weight', 'mask_decoder.iou_token.weight'):
        assert torch.equal(ours.state_dict()[k], sam.state_dict()[k]), k
    del ours, sam
    with pytest.raises(CheckpointError) as e: build_sam('vit_b', p)
    assert 'looks like a vit_h checkpoint' in str(e.value) and 'image_encoder.pos_embed: checkpoint (1, 64, 64, 1280) vs model (1, 64, 64, 768)' in str(e.value)
