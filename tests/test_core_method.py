"S3POT core: greedy matching against the plain definition, metrics against scikit-learn."
import numpy as np, pandas as pd, pytest, torch
from sklearn.metrics import jaccard_score, f1_score
from s3pot.prompts import greedy_match, greedy_match_reference
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
