"S3POT core: greedy matching against the plain definition, metrics against scikit-learn."
import numpy as np, pandas as pd, pytest, torch
from sklearn.metrics import jaccard_score, f1_score
import torch.nn.functional as F
from s3pot.prompts import greedy_match, greedy_match_reference, greedy_match_chunked, select_prompts
from s3pot.evaluate import image_metrics, summarise

@pytest.mark.parametrize('shape', [(60, 60), (150, 400), (409, 1024)])
def test_greedy_equals_plain_random(shape):
    S = torch.rand(*shape, generator=torch.Generator().manual_seed(shape[0]))
    assert (greedy_match(S).numpy() == greedy_match_reference(S.numpy())).all()

@pytest.mark.parametrize('levels', [2, 5])
def test_greedy_equals_plain_tied(levels):
    g = torch.Generator().manual_seed(levels)
    S = torch.randint(0, levels, (120, 300), generator=g).float() / levels
    m = greedy_match(S).numpy()
    assert (m == greedy_match_reference(S.numpy())).all()
    assert len(set(m.tolist())) == len(m)   # one-to-one

@pytest.mark.parametrize('chunk', [1, 5, 64, 1000])
@pytest.mark.parametrize('kind', ['random', 'tied', 'constant'])
def test_greedy_chunked_equals_dense(kind, chunk):
    g = torch.Generator().manual_seed(chunk)
    S = {'random': lambda: torch.rand(130, 300, generator=g),
         'tied': lambda: torch.randint(0, 3, (130, 300), generator=g).float(),
         'constant': lambda: torch.full((130, 300), 0.5)}[kind]()
    ref = greedy_match_reference(S.numpy())
    for k in (1, 16):
        assert (greedy_match_chunked(S, chunk=chunk, k=k).numpy() == ref).all()

def test_select_prompts_chunked_path_same_prompts():
    "Above the memory budget select_prompts switches to the chunked matching; the prompts do not change."
    g = torch.Generator().manual_seed(0)
    A_R = torch.randn(64, 32, 32, generator=g); A_I = A_R + 0.3 * torch.randn(64, 32, 32, generator=g)
    A_I[:, 10:18, 12:20] = torch.randn(64, 1, 1, generator=g) + 0.5 * torch.randn(64, 8, 8, generator=g)  # an occluder
    P = torch.zeros(32, 32, dtype=torch.bool); P[4:28, 6:26] = True                                     # 480 tokens
    tok, lab = select_prompts(A_I, A_R, P)
    assert 3 * 480 * 1024 * 4 > 0.5 * 2**20                                   # so max_mb=0.5 takes the chunked path
    tok_c, lab_c = select_prompts(A_I, A_R, P, max_mb=0.5)
    assert torch.equal(tok, tok_c) and torch.equal(lab, lab_c)
    assert 0 < int((lab == 0).sum()) < 480

def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    gt = rng.random((12, 24, 24)) < 0.3; pred = gt ^ (rng.random(gt.shape) < 0.15)
    face_gt = ~gt & (rng.random(gt.shape) < 0.8); face_pred = face_gt ^ (rng.random(gt.shape) < 0.1)
    pm = image_metrics(pred, gt, face_pred, face_gt)
    for i in range(len(gt)):
        assert pm.occ_iou[i] == pytest.approx(jaccard_score(gt[i].ravel(), pred[i].ravel()))
        assert pm.f1[i] == pytest.approx(f1_score(gt[i].ravel(), pred[i].ravel()))
        assert pm.face_iou[i] == pytest.approx(jaccard_score(face_gt[i].ravel(), face_pred[i].ravel()))
        assert pm.miou[i] == pytest.approx(jaccard_score(face_gt[i].ravel(), face_pred[i].ravel(), average='macro'))
    pooled = jaccard_score(gt.ravel(), pred.ravel())
    assert summarise(pm)['occ_iou_global'] == pytest.approx(pooled, abs=1e-4)

def test_evaluate_unknown_swap_prompt_set_fails_clearly(tmp_path):
    "`s3pot-evaluate --prompt_set` (a reference swapped in at test time) names the params file and the known sets, writes nothing."
    import yaml
    from conftest import run_cli
    (tmp_path/'p.yaml').write_text(yaml.safe_dump({'prompt_sets': {'main': {}, 'oracle': {'reference': 'oracle', 'splits': ['test']}},
                                                   'ablations': {'full': {'prompt_set': 'main'}}}))
    r = run_cli('s3pot-evaluate', '--variant', 'full', '--prompt_set', 'orakel', '--name', 'ref_x', '--params', tmp_path/'p.yaml',
                '--metrics_dir', tmp_path/'m', '--results_dir', tmp_path/'r', '--time_dir', tmp_path/'t', cwd=tmp_path)
    assert r.returncode != 0 and "unknown prompt set 'orakel'" in r.stderr and "['main', 'oracle']" in r.stderr and str(tmp_path/'p.yaml') in r.stderr
    assert not any((tmp_path/d).exists() for d in ('m', 'r', 't'))
