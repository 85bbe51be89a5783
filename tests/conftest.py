import os, sys, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('S3POT_QUIET', '1')

@pytest.fixture(scope='session')
def root(): return ROOT

@pytest.fixture(scope='session')
def textures():
    t = ROOT/'data'/'textures'
    if not t.is_dir(): pytest.fail(f"{t} missing: run `make data` (s3pot-assets data) first")
    return t

def run_cli(name, *args, cwd=None):
    "Run one of the package's console scripts; returns CompletedProcess with text output."
    exe = BIN/name
    return subprocess.run([str(exe), *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, timeout=600)
