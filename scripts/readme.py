#!/usr/bin/env python
"""README.md = nbs/index.ipynb converted to markdown, with its result markers filled from committed outputs:
`<!-- results:main -->` <- the main comparison of results/tables.md (written by the `report` stage) and
`<!-- results:time -->` <- the per-stage wall time of the last `make repro` (metrics/pipeline_time.json)."""
import json, subprocess, sys
from pathlib import Path

def section(text, title):
    "The body of a '## title' section of a markdown text."
    if f'## {title}\n' not in text: return None
    body = text.split(f'## {title}\n', 1)[1]
    return body.split('\n## ', 1)[0].strip()

def time_table(p):
    t = json.loads(p.read_text())
    rows = ['| stage | seconds |', '|---|---|'] + [f'| `{k}` | {v:.0f} |' for k, v in t['stages'].items()]
    skipped = f" Unchanged and skipped: {', '.join(f'`{s}`' for s in t['skipped'])}." if t.get('skipped') else ''
    return '\n'.join(rows) + f"\n\nTotal: {t['total_seconds'] / 60:.1f} min (`{t['command']}`, {t['machine']}).{skipped}"

def main():
    md = subprocess.run(['jupyter', 'nbconvert', '--to', 'markdown', '--log-level=WARN', '--stdout', 'nbs/index.ipynb'],
                        capture_output=True, text=True, check=True).stdout.replace('](../', '](')
    tables, times = Path('results/tables.md'), Path('metrics/pipeline_time.json')
    main_tab = section(tables.read_text(), 'Main comparison') if tables.exists() else None
    md = md.replace('<!-- results:main -->', main_tab or '*(run `make repro` to build the results)*')
    md = md.replace('<!-- results:time -->', time_table(times) if times.exists() else '*(run `make repro` to time the pipeline)*')
    Path('README.md').write_text(md)
    print(f"README.md written ({len(md.splitlines())} lines)")

if __name__ == '__main__':
    sys.exit(main())
