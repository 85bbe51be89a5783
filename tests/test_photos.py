"""Real photos for real users: both face detectors on the paper kit's photos and the real-photo check set (MediaPipe
finds every face and no false one, where the cascade misses or adds faces), the model-hub SAM conversion against
transformers' own forward, a SegFormer face parser saved in the hub layout through the parser spec, and the offline
error for hub ids that are not cached."""
import os, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT/'bench'))

@pytest.fixture(scope='module')
def photos():
    from bench_detect import kit_photos
    from s3pot.checkset import build_checkset
    return kit_photos() + build_checkset()

def test_detectors_side_by_side(photos):
    from s3pot.checkset import compare
    from s3pot.align import CascadeDetector
    from s3pot.landmarks import MediaPipeDetector
    t = compare({'mediapipe': MediaPipeDetector(), 'cascade': CascadeDetector()}, photos)
    print('\n' + t.to_string())
    mp, cas = t.loc['mediapipe'], t.loc['cascade']
    assert mp.found == mp.faces and mp.missed == 0 and mp.false == 0, mp          # every face, no false face
    assert cas.missed + cas.false > 0, cas                                          # where the cascade misses or adds one
    assert mp.mask_iou_min > 0.95 and mp.s_per_photo < cas.s_per_photo

def test_hf_sam_conversion_equals_transformers(tmp_path):
    from transformers import SamModel
    from s3pot.hub import tiny_sam_model, build_sam_hf
    tiny_sam_model(seed=1).save_pretrained(tmp_path/'sam')
    hf, sam = SamModel.from_pretrained(tmp_path/'sam').eval(), build_sam_hf(f'hf:{tmp_path}/sam')
    torch.manual_seed(0); x = torch.randn(1, 3, 128, 128)
    pts, lab = torch.tensor([[[[20., 30.], [100., 90.]]]]), torch.tensor([[[1, 0]]])
    with torch.no_grad():
        o = hf(pixel_values=x, input_points=pts, input_labels=lab, multimask_output=True)
        sp, de = sam.prompt_encoder(points=(pts[0, 0][None], lab[0, 0][None]), boxes=None, masks=None)
        lo, iou = sam.mask_decoder(sam.image_encoder(x), sam.prompt_encoder.get_dense_pe(), sp, de, multimask_output=True)
    d = (lo - o.pred_masks[0, 0]).abs().max().item()
    print(f'max |Δ logits| = {d:.2e}')
    assert d <= 1e-4 and (iou - o.iou_scores[0, 0]).abs().max().item() <= 1e-4

def test_segformer_parser_spec(tmp_path):
    from s3pot.segformer import tiny_segformer
    from s3pot.paper import resolve_parser
    tiny_segformer(tmp_path/'fp')
    p = resolve_parser(f'segformer:hf:{tmp_path}/fp')
    lab = p(np.random.default_rng(0).integers(0, 256, (2, 50, 60, 3), dtype=np.uint8))
    assert lab.shape == (2, 50, 60) and lab.dtype == np.uint8 and lab.max() < 12

def test_hub_ids_offline_named(tmp_path):
    (tmp_path/'p.yaml').write_text("""sam: {model: vit_h, checkpoint: 'hf:s3pot-tests/no-sam'}
reference: {parser: 'segformer:hf:s3pot-tests/no-parser', generator: 'diffusers:hf:s3pot-tests/no-sd?controlnet=hf:s3pot-tests/no-cn'}
""")
    env = {**os.environ, 'HF_HUB_OFFLINE': '1'}
    r = subprocess.run([str(Path(sys.executable).parent/'s3pot-check-profile'), '--params', str(tmp_path/'p.yaml')], capture_output=True, text=True, env=env)
    assert r.returncode == 1
    for i in ('no-sam', 'no-parser', 'no-sd', 'no-cn'): assert f'hf download s3pot-tests/{i}' in r.stderr, (i, r.stderr)

def test_import_says_which_detector(tmp_path):
    from s3pot.paper import write_photos
    write_photos(tmp_path/'photos')
    r = run_cli('s3pot-import', tmp_path/'photos', '--out', tmp_path/'out', '--size', 256, '--frame', 'ffhq', '--keep_going')
    assert r.returncode == 0, r.stderr
    assert 'imported 5 face(s), 4 photo(s), detector mediapipe' in r.stdout, r.stdout
    assert 'no_face.png' in r.stderr and 'detector: mediapipe' in r.stderr
