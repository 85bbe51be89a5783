"""The notebooks read as one document: names in reading order, short export cells (one symbol each), the method notes
they cite present in the repository."""
import json, re
from pathlib import Path
import pytest
from conftest import ROOT

NBS = sorted((ROOT/'nbs').glob('*.ipynb'))
MAX_EXPORT_LINES = 60

def _cells(nb): return json.loads(nb.read_text())['cells']
def _src(c): return ''.join(c['source'])

@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_export_cells_are_short(nb):
    long = [(i, len(_src(c).splitlines())) for i, c in enumerate(_cells(nb))
            if c['cell_type'] == 'code' and re.match(r'#\|\s*export', _src(c)) and len(_src(c).splitlines()) > MAX_EXPORT_LINES]
    assert not long, f"{nb.name}: export cells over {MAX_EXPORT_LINES} lines (cell index, lines): {long}"

@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_cites_only_notes_in_the_repo(nb):
    text = nb.read_text()
    assert 'METHOD.md' not in text, f"{nb.name} cites METHOD.md, which is not in the repository (use docs/method.md)"
    for ref in set(re.findall(r'docs/[\w./-]+\.md', text)): assert (ROOT/ref).exists(), f"{nb.name}: {ref} missing"

def test_names_sort_in_reading_order():
    "Unique prefixes NN or NNx; every module is exported by exactly one notebook, and imports only earlier notebooks' modules."
    names = [p.stem for p in NBS if p.stem != 'index']
    prefixes = [n.split('_')[0] for n in names]
    assert all(re.fullmatch(r'\d\d[a-z]?', p) for p in prefixes), prefixes
    assert len(set(prefixes)) == len(prefixes), 'duplicate notebook numbers'
    mods = {}
    for p in NBS:
        src = '\n'.join(_src(c) for c in _cells(p) if c['cell_type'] == 'code')
        m = re.search(r'#\|\s*default_exp\s+(\S+)', src)
        if m: assert m.group(1) not in mods, f"{m.group(1)} exported by {mods[m.group(1)]} and {p.name}"; mods[m.group(1)] = p.stem
    assert len(mods) >= 20, f"only {len(mods)} modules found"
    order = {stem: i for i, stem in enumerate(sorted(mods.values()))}
    for mod, stem in mods.items():
        f = ROOT/'s3pot'/f'{mod}.py'
        if mod == '__init__' or not f.exists(): continue
        top = [l for l in f.read_text().splitlines() if l.startswith(('from .', 'import s3pot', 'from s3pot'))]
        for l in top:   # module-level imports only (lazy imports inside functions may look ahead)
            dep = re.match(r'from \.(\w+)|from s3pot\.(\w+)', l)
            if dep and (d := dep.group(1) or dep.group(2)) in mods:
                assert order[mods[d]] <= order[stem], f"{stem} imports {d} ({mods[d]}) at module level, defined later"
