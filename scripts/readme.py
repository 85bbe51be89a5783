#!/usr/bin/env python
"""README.md = nbs/index.ipynb converted to markdown, with its result markers filled from committed outputs:
`<!-- results:main -->` <- the main comparison of results/tables.md (written by the `report` stage) and
`<!-- results:time -->` <- the per-stage wall time of the last `make repro` (metrics/pipeline_time.json) and, when
present, of a from-scratch `make repro REPRO_ARGS=-f` (metrics/pipeline_time_scratch.json, the same script's output)."""
import json, subprocess, sys
from pathlib import Path

def section(text, title):
    "The body of a '## title' section of a markdown text."
    if f'## {title}\n' not in text: return None
    body = text.split(f'## {title}\n', 1)[1]
    return body.split('\n## ', 1)[0].strip()

def time_table(p, scratch=None):
    "Markdown table of per-stage seconds; a second column for the from-scratch run when `scratch` exists."
    t = json.loads(p.read_text())
    f = json.loads(scratch.read_text()) if scratch is not None and scratch.exists() else None
    fmt = lambda d, k: f"{d['stages'][k]:.0f}" if k in d['stages'] else 'reused'
    def total(d):
        skipped = f"; unchanged and skipped: {', '.join(f'`{s}`' for s in d['skipped'])}" if d.get('skipped') else ''
        return f"{d['total_seconds'] / 60:.1f} min (`{d['command']}`, {d['machine']}{skipped})"
    if f is None:
        rows = ['| stage | seconds |', '|---|---|'] + [f'| `{k}` | {fmt(t, k)} |' for k in t['stages']]
        return '\n'.join(rows) + f"\n\nTotal: {total(t)}."
    names = list(f['stages']) + [k for k in t['stages'] if k not in f['stages']]
    rows = ['| stage | fresh clone, `make repro` (s) | from scratch, `make repro REPRO_ARGS=-f` (s) |', '|---|---|---|']
    rows += [f'| `{k}` | {fmt(t, k)} | {fmt(f, k)} |' for k in names]
    return '\n'.join(rows) + f"\n\nTotal: {total(t)}; from scratch {total(f)}."

def main():
    md = subprocess.run(['jupyter', 'nbconvert', '--to', 'markdown', '--log-level=WARN', '--stdout', 'nbs/index.ipynb'],
                        capture_output=True, text=True, check=True).stdout.replace('](../', '](')
    tables, times, scratch = Path('results/tables.md'), Path('metrics/pipeline_time.json'), Path('metrics/pipeline_time_scratch.json')
    main_tab = section(tables.read_text(), 'Main comparison') if tables.exists() else None
    md = md.replace('<!-- results:main -->', main_tab or '*(run `make repro` to build the results)*')
    md = md.replace('<!-- results:time -->', time_table(times, scratch) if times.exists() else '*(run `make repro` to time the pipeline)*')
    Path('README.md').write_text(md)
    print(f"README.md written ({len(md.splitlines())} lines)")

if __name__ == '__main__':
    sys.exit(main())
