#!/usr/bin/env python
"""`dvc repro` with a wall-clock time per stage: streams DVC's output unchanged and, when the run succeeds, writes
metrics/pipeline_time.json (or $S3POT_TIME_OUT) = {"total_seconds", "stages": {stage: seconds}, "skipped": [...], "command", "machine"}.

Usage: python scripts/repro_timed.py [dvc repro arguments...]   (e.g. `-f` for a from-scratch run)
"""
import json, os, platform, re, subprocess, sys, time
from pathlib import Path

RUN = re.compile(r"^Running stage '([^']+)'")
SKIP = re.compile(r"^Stage '([^']+)' didn't change, skipping")

def main(argv):
    cmd = ['dvc', 'repro', *argv]
    t0 = time.time(); stages, skipped, cur, t_cur = {}, [], None, None
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1, text=True, errors='replace')
    for line in p.stdout:
        sys.stdout.write(line); sys.stdout.flush()
        m, s = RUN.match(line), SKIP.match(line)
        if (m or s) and cur is not None:
            stages[cur] = round(time.time() - t_cur, 1); cur = None
        if m: cur, t_cur = m.group(1), time.time()
        elif s: skipped.append(s.group(1))
    rc = p.wait()
    if cur is not None: stages[cur] = round(time.time() - t_cur, 1)
    total = round(time.time() - t0, 1)
    if rc != 0:
        print(f"repro_timed: dvc repro failed (exit {rc}) after {total:.0f} s; metrics/pipeline_time.json not written", file=sys.stderr)
        return rc
    out = {'command': ' '.join(cmd), 'total_seconds': total, 'stages': stages, 'skipped': skipped,
           'machine': f"{platform.machine()}, {os.cpu_count()} cores"}
    path = Path(os.environ.get('S3POT_TIME_OUT', 'metrics/pipeline_time.json')); path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix('.json.tmp'); tmp.write_text(json.dumps(out, indent=2) + '\n'); tmp.replace(path)
    print(f"repro_timed: {len(stages)} stages ran, {len(skipped)} unchanged, {total:.0f} s in all -> {path}")
    for k, v in sorted(stages.items(), key=lambda kv: -kv[1]): print(f"  {k:28s} {v:8.1f} s")
    return 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
