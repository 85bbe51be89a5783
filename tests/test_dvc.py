"""The DVC pipelines tell the truth: a stage's `deps` list every package module its command imports (directly or
transitively), and its `cmd` names every path in its `outs`, so `dvc repro` re-runs a stage whenever code it runs
changes and never writes an output behind a default the command line does not show.

`s3pot/__init__.py` and `s3pot/_modidx.py` are deliberately not dependencies (nbdev rewrites them on every export and
version bump; `__init__` only re-exports lazily)."""
import ast, configparser, json, re
from pathlib import Path
import pytest, yaml
from conftest import ROOT

PIPELINES = ('dvc.yaml', 'profiles/paper/dvc.yaml')
NOT_DEPS = {'__init__', '_modidx'}

def console_scripts() -> dict:
    "{'s3pot-train': 'train', ...} from settings.ini."
    cp = configparser.ConfigParser(); cp.read(ROOT/'settings.ini')
    out = {}
    for line in cp['DEFAULT']['console_scripts'].split():
        name, target = line.split('=')
        out[name] = target.split(':')[0].split('.', 1)[1]
    return out

def _imports_of_source(src:str, pkg_relative:bool=True) -> set:
    "s3pot modules a piece of source imports (module level and inside functions)."
    out = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1 and pkg_relative: base = mod
            elif mod == 's3pot': base = ''
            elif mod.startswith('s3pot.'): base = mod[len('s3pot.'):]
            else: continue
            if base: out.add(base.split('.')[0])
            else: out.update(a.name for a in node.names)   # from s3pot import x / from . import x
        elif isinstance(node, ast.Import):
            out.update(a.name.split('.')[1] for a in node.names if a.name.startswith('s3pot.'))
    return {m for m in out if (ROOT/'s3pot'/f'{m}.py').exists()}

def module_closure(mods) -> set:
    "Every package module reachable from `mods` through imports."
    seen, todo = set(), list(mods)
    while todo:
        m = todo.pop()
        if m in seen: continue
        seen.add(m)
        todo.extend(_imports_of_source((ROOT/'s3pot'/f'{m}.py').read_text()) - seen)
    return seen - NOT_DEPS

def notebook_modules(nb) -> set:
    "s3pot modules imported by a notebook's code cells."
    cells = json.loads((ROOT/nb).read_text())['cells']
    src = '\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'code')
    src = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    return _imports_of_source(src, pkg_relative=False)

def stages(pipeline) -> dict:
    "{name: stage dict} of a dvc.yaml, `foreach` stages by their `do` template."
    st = yaml.safe_load((ROOT/pipeline).read_text())['stages']
    return {k: (v['do'] if 'foreach' in v else v) for k, v in st.items()}

def _paths(items):
    "Paths of a deps/outs list (entries are strings or one-key mappings)."
    return [next(iter(i)) if isinstance(i, dict) else i for i in items or []]

def required_modules(stage:dict) -> set:
    "Package modules the stage's command runs: its console scripts' modules and the notebooks it executes, closed."
    cmd, scripts = stage['cmd'], console_scripts()
    names = set(re.findall(r'\bs3pot-[a-z0-9-]+', cmd))
    unknown = names - set(scripts)
    assert not unknown, f"unknown console scripts in cmd: {unknown}"
    mods = {scripts[n] for n in names}
    nb = re.search(r'papermill\b.*?(\S+\.ipynb)', cmd)   # the input notebook of a papermill run
    if nb: mods |= notebook_modules(nb.group(1))
    return module_closure(mods)

CASES = [(p, name) for p in PIPELINES for name in stages(p)]

@pytest.mark.parametrize('pipeline,name', CASES, ids=[f'{p}:{n}' for p, n in CASES])
def test_stage_depends_on_every_module_it_imports(pipeline, name):
    st = stages(pipeline)[name]
    have = {Path(d).stem for d in _paths(st.get('deps')) if d.startswith('s3pot/') and d.endswith('.py')}
    missing = sorted(required_modules(st) - have)
    assert not missing, f"{pipeline}: stage '{name}' runs code from {', '.join(f's3pot/{m}.py' for m in missing)} but does not list it in deps"

@pytest.mark.parametrize('pipeline,name', CASES, ids=[f'{p}:{n}' for p, n in CASES])
def test_stage_names_its_outputs(pipeline, name):
    st = stages(pipeline)[name]
    outs = _paths(st.get('outs')) + _paths(st.get('metrics')) + _paths(st.get('plots'))
    tokens = set(st['cmd'].split())
    # named: the path itself is in the command, or the folder it is written into is an argument of the command
    unnamed = [o for o in outs if o not in st['cmd'] and str(Path(o).parent) not in tokens]
    assert not unnamed, f"{pipeline}: stage '{name}' writes {unnamed} without naming them in its cmd"

def test_checker_catches_a_missing_dep():
    "The check is not vacuous: dropping one module from a stage's deps makes it fail."
    st = dict(stages('dvc.yaml')['train'])
    st['deps'] = [d for d in st['deps'] if d != 's3pot/losses.py']
    have = {Path(d).stem for d in _paths(st['deps']) if d.startswith('s3pot/')}
    assert 'losses' in required_modules(st) - have

def test_closure_is_transitive():
    "train imports prompts, which imports features, which imports sam: all three are train's dependencies."
    assert {'prompts', 'features', 'sam', 'core', 'losses'} <= module_closure({'train'})


def test_embed_covers_the_train_images_train_reads():
    "embed.max_train (rows of train encoded) must cover train.max_images, in the default and in every profile."
    from s3pot.core import read_params
    for p in ('params.yaml', 'profiles/quick.yaml', 'profiles/paper/params.yaml'):
        P = read_params(ROOT/p)
        enc, used = (P.get('embed') or {}).get('max_train', 0), (P.get('train') or {}).get('max_images', 0)
        assert enc == 0 or (used and used <= enc), f"{p}: embed.max_train {enc} encodes fewer train images than train.max_images {used} uses"
