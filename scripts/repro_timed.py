#!/usr/bin/env python
"""`dvc repro` with a wall-clock time per stage: streams DVC's output unchanged and, when the run succeeds, writes
metrics/pipeline_time.json (or $S3POT_TIME_OUT) = {"total_seconds", "stages": {stage: seconds}, "skipped": [...], "command", "machine"}.

Before the root pipeline's full run it runs the `collect` stage alone and asks `dvc status` whether a foundation stage
(small SAM, parser, generator: their checkpoints are committed) is about to be retrained, and says so plainly: which
stage, why (the changed dependency or parameter) and how long it took in the committed from-scratch run.
`S3POT_NO_RETRAIN=1` stops there instead of retraining (exit 3).

Usage: python scripts/repro_timed.py [dvc repro arguments...]   (e.g. `-f` for a from-scratch run)
"""
import json, os, platform, re, subprocess, sys, time
from pathlib import Path

RUN = re.compile(r"^Running stage '([^']+)'")
SKIP = re.compile(r"^Stage '([^']+)' didn't change, skipping")

FOUNDATION = ('pretrain_sam', 'parser', 'generator')

def stream(cmd, stages, skipped):
    "Run a `dvc repro` command, echo its output, record each stage's wall time; returns the exit code."
    cur = t_cur = None
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1, text=True, errors='replace')
    for line in p.stdout:
        sys.stdout.write(line); sys.stdout.flush()
        m, s = RUN.match(line), SKIP.match(line)
        if (m or s) and cur is not None:
            stages[cur] = round(time.time() - t_cur, 1); cur = None
        if m: cur, t_cur = m.group(1), time.time()
        elif s and s.group(1) not in skipped: skipped.append(s.group(1))
    rc = p.wait()
    if cur is not None: stages[cur] = round(time.time() - t_cur, 1)
    return rc

def _reasons(items):
    "dvc status --json entries of one stage -> short phrases."
    out = []
    for it in items:
        if isinstance(it, str): out.append(it); continue
        for kind, d in it.items():
            for path, what in d.items():
                what = what if isinstance(what, str) else ', '.join(f"{k}: {v}" for k, v in what.items())
                out.append(f"{kind.replace('changed ', '')} {path} {what}")
    return out

def foundation_changes(dvcfile='dvc.yaml'):
    "{stage: [reasons]} for the foundation stages that `dvc status` finds changed."
    r = subprocess.run(['dvc', 'status', '--json', dvcfile], capture_output=True, text=True)
    try: st = json.loads(r.stdout or '{}')
    except ValueError: return {}
    return {k: _reasons(st[k]) for k in FOUNDATION if k in st}

OWN_TIME = {'pretrain_sam': 'metrics/sam_tiny.json'}   # stages whose metrics record their last training time

def scratch_seconds():
    "Seconds per stage of the committed from-scratch run; a stage's own metrics (`train_seconds`) when newer."
    try: secs = dict(json.loads(Path('metrics/pipeline_time_scratch.json').read_text())['stages'])
    except (OSError, ValueError, KeyError): secs = {}
    for stage, p in OWN_TIME.items():
        try: secs[stage] = float(json.loads(Path(p).read_text())['train_seconds'])
        except (OSError, ValueError, KeyError, TypeError): pass
    return secs

def announce_retraining(changed, forced=False):
    "Say plainly which foundation stage is about to be retrained, why, and how long it took from scratch."
    secs = scratch_seconds()
    for stage, why in changed.items():
        t = f"; it took {secs[stage] / 60:.0f} min in the committed run" if stage in secs else ''
        print(f"repro_timed: NOTE: foundation stage '{stage}' will be RETRAINED (its committed checkpoint replaced){t}", flush=True)
        for w in ([] if forced else why[:6]): print(f"    because: {w}", flush=True)
    if forced: print("    because: -f (every stage runs)", flush=True)
    if any('synthocc' in w for ws in changed.values() for w in ws):
        print("    the rendered SynthOcc differs from dvc.lock: `python scripts/check_render.py` says whether this machine"
              " renders differently from the committed digest", flush=True)

def main(argv):
    cmd = ['dvc', 'repro', *argv]
    t0 = time.time(); stages, skipped = {}, []
    targets = [a for a in argv if not a.startswith('-')]
    if targets in ([], ['dvc.yaml']):   # the root pipeline: render first, then look before retraining anything
        forced = '-f' in argv or '--force' in argv
        if forced: changed = {k: [] for k in FOUNDATION}
        else:
            rc = stream(['dvc', 'repro', 'collect'], stages, skipped)
            if rc != 0:
                print(f"repro_timed: dvc repro collect failed (exit {rc})", file=sys.stderr); return rc
            changed = foundation_changes()
        if changed:
            announce_retraining(changed, forced)
            if os.environ.get('S3POT_NO_RETRAIN') == '1':
                print("repro_timed: S3POT_NO_RETRAIN=1: stopping before retraining", file=sys.stderr); return 3
    rc = stream(cmd, stages, skipped)
    total = round(time.time() - t0, 1)
    if rc != 0:
        print(f"repro_timed: dvc repro failed (exit {rc}) after {total:.0f} s; metrics/pipeline_time.json not written", file=sys.stderr)
        return rc
    skipped = [k for k in skipped if k not in stages]
    out = {'command': ' '.join(cmd), 'total_seconds': total, 'stages': stages, 'skipped': skipped,
           'machine': f"{platform.machine()}, {os.cpu_count()} cores"}
    path = Path(os.environ.get('S3POT_TIME_OUT', 'metrics/pipeline_time.json')); path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix('.json.tmp'); tmp.write_text(json.dumps(out, indent=2) + '\n'); tmp.replace(path)
    print(f"repro_timed: {len(stages)} stages ran, {len(skipped)} unchanged, {total:.0f} s in all -> {path}")
    for k, v in sorted(stages.items(), key=lambda kv: -kv[1]): print(f"  {k:28s} {v:8.1f} s")
    return 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
