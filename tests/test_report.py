"""Baselines CLI, the timed `make repro` wrapper, the README generator and the report tables on real metric files."""
import json, os, stat, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from conftest import ROOT, run_cli

def test_baseline_unknown_name_fails_clearly():
    r = run_cli('s3pot-baseline', '--name', 'nope')
    assert r.returncode != 0
    assert "unknown baseline 'nope'" in (r.stdout + r.stderr) and 'pixel_diff' in (r.stdout + r.stderr)

def test_supervised_bad_params(tmp_path):
    p = tmp_path/'params.yaml'; p.write_text('base: {seed: 1}\nsupervised: {steps: 3, stepz: 4}\n')
    r = run_cli('s3pot-supervised', '--params', p, '--data', tmp_path/'nowhere', '--out', tmp_path/'m')
    assert r.returncode != 0 and 'stepz' in (r.stdout + r.stderr)
    assert not (tmp_path/'m').exists()

def _fake_dvc(tmp_path, body):
    b = tmp_path/'bin'; b.mkdir()
    f = b/'dvc'; f.write_text('#!/usr/bin/env bash\n' + body); f.chmod(f.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{b}:{os.environ['PATH']}")
    return env

def test_repro_timed_records_stages(tmp_path):
    env = _fake_dvc(tmp_path, """echo "Stage 'collect' didn't change, skipping"
echo "Running stage 'train@full':"; echo "> s3pot-train"; sleep 0.3; echo "Updating lock file 'dvc.lock'"
echo "Running stage 'report':"; sleep 0.1
""")
    r = subprocess.run([sys.executable, ROOT/'scripts/repro_timed.py', '-f'], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    t = json.loads((tmp_path/'metrics/pipeline_time.json').read_text())
    assert list(t['stages']) == ['train@full', 'report'] and t['skipped'] == ['collect']
    assert t['stages']['train@full'] >= 0.3 and t['command'] == 'dvc repro -f'
    assert t['total_seconds'] >= t['stages']['train@full'] + t['stages']['report']

def test_repro_timed_failure_writes_nothing(tmp_path):
    env = _fake_dvc(tmp_path, "echo \"Running stage 'a':\"; exit 3\n")
    r = subprocess.run([sys.executable, ROOT/'scripts/repro_timed.py'], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 3 and not (tmp_path/'metrics/pipeline_time.json').exists()

def test_readme_sections():
    sys.path.insert(0, str(ROOT/'scripts'))
    from readme import section
    text = '# t\n\n## Main comparison\n\n| a |\n|---|\n\n## Ablations\n\nx\n'
    assert section(text, 'Main comparison') == '| a |\n|---|' and section(text, 'Nope') is None

def test_readme_time_table_with_scratch_run(tmp_path):
    sys.path.insert(0, str(ROOT/'scripts'))
    from readme import time_table
    inc = {'command': 'dvc repro', 'total_seconds': 120.0, 'stages': {'collect': 30.4, 'train@full': 60.0},
           'skipped': ['pretrain_sam'], 'machine': 'x86_64, 2 cores'}
    scr = dict(inc, command='dvc repro -f', total_seconds=600.0, skipped=[], stages={'collect': 31.0, 'pretrain_sam': 480.6, 'train@full': 59.0})
    (tmp_path/'t.json').write_text(json.dumps(inc)); (tmp_path/'s.json').write_text(json.dumps(scr))
    one = time_table(tmp_path/'t.json', tmp_path/'absent.json').splitlines()
    assert one[:3] == ['| stage | seconds |', '|---|---|', '| `collect` | 30 |'] and 'unchanged and skipped: `pretrain_sam`' in one[-1]
    two = time_table(tmp_path/'t.json', tmp_path/'s.json').splitlines()
    assert two[2:5] == ['| `collect` | 30 | 31 |', '| `pretrain_sam` | reused | 481 |', '| `train@full` | 60 | 59 |']
    assert two[-1].endswith('from scratch 10.0 min (`dvc repro -f`, x86_64, 2 cores).')

def test_report_tables_from_metric_files(tmp_path):
    from s3pot.evaluate import image_metrics, report
    from s3pot.report import main_table, ablation_table, markdown, display_table
    import pandas as pd
    rng = np.random.default_rng(0)
    man = pd.DataFrame({'family': ['hand'] * 4 + ['microphone'] * 2, 'held_out': [0] * 4 + [1] * 2})
    gt = rng.random((6, 16, 16)) < 0.3; face = ~gt
    for name, flip in (('full', 0.1), ('pixel_diff', 0.3), ('no_pun', 0.2)):
        pred = gt ^ (rng.random(gt.shape) < flip)
        (tmp_path/f'{name}.json').write_text(json.dumps(report(image_metrics(pred, gt, ~pred, face), man)))
    m = main_table(tmp_path)
    assert m.loc['full', 'seen occ_iou'] > m.loc['pixel_diff', 'seen occ_iou']
    assert m.loc['full', 'held_out n'] == 2 and np.isnan(m.loc['supervised', 'seen occ_iou'])
    a = ablation_table(tmp_path)
    assert a.loc['no_pun', 'held_out Δocc_iou'] == pytest.approx(a.loc['no_pun', 'held_out occ_iou'] - a.loc['full', 'held_out occ_iou'])
    md = markdown(display_table(a))
    assert md.count('\n') == len(a) + 1

_STATUS = ('{"parser": [{"changed deps": {"artifacts/synthocc/train/clean.npy": "modified"}}], "report": ["changed command"], '
           '"pretrain_sam": [{"changed deps": {"s3pot/sam.py": "modified"}}]}')

def test_repro_timed_announces_foundation_retraining(tmp_path):
    "Before retraining a foundation stage, `make repro` says which one, why, and how long it took from scratch."
    env = _fake_dvc(tmp_path, f"""if [ "$1" = status ]; then echo '{_STATUS}'; exit 0; fi
echo "Running stage '$2':"
""")
    (tmp_path/'metrics').mkdir()
    (tmp_path/'metrics/pipeline_time_scratch.json').write_text(json.dumps({'stages': {'parser': 385.0, 'pretrain_sam': 60.0}}))
    (tmp_path/'metrics/sam_tiny.json').write_text(json.dumps({'train_seconds': 3000.0}))   # newer than the scratch run
    r = subprocess.run([sys.executable, ROOT/'scripts/repro_timed.py'], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "foundation stage 'parser' will be RETRAINED" in r.stdout and 'took 6 min' in r.stdout
    assert "foundation stage 'pretrain_sam' will be RETRAINED" in r.stdout and 'took 50 min' in r.stdout   # its own metrics win
    assert 'because: deps artifacts/synthocc/train/clean.npy modified' in r.stdout and 'check_render.py' in r.stdout
    assert "'report'" not in r.stdout.split('RETRAINED')[0]            # only foundation stages are announced
    r = subprocess.run([sys.executable, ROOT/'scripts/repro_timed.py'], cwd=tmp_path, env=dict(env, S3POT_NO_RETRAIN='1'),
                       capture_output=True, text=True)
    assert r.returncode == 3 and 'stopping before retraining' in r.stderr

def test_repro_timed_quiet_when_nothing_is_retrained(tmp_path):
    env = _fake_dvc(tmp_path, """if [ "$1" = status ]; then echo '{}'; exit 0; fi
echo "Stage 'collect' didn't change, skipping"
""")
    r = subprocess.run([sys.executable, ROOT/'scripts/repro_timed.py'], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and 'RETRAINED' not in r.stdout
