#!/usr/bin/env bash
# Run the whole DVC pipeline with the quick profile (profiles/quick.yaml, an override of params.yaml) in a throw-away
# copy of the repository: the merged parameters (less the entries under `quick_drop`) replace params.yaml there.
set -euo pipefail
root=$(pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$tmp/"
else
  tar --exclude=.venv --exclude=artifacts --exclude=models --exclude=.dvc/cache --exclude=.dvc/tmp -cf - . | tar -xf - -C "$tmp"
fi
cp -r data "$tmp/data"
python - profiles/quick.yaml "$tmp/params.yaml.merged" <<'PY'
import sys, yaml
from s3pot.core import read_params
P = read_params(sys.argv[1])
for section, keys in (P.pop('quick_drop', None) or {}).items():   # entries the smoke run leaves out (see profiles/quick.yaml)
    for k in keys: P[section].pop(k)
yaml.safe_dump(P, open(sys.argv[2], 'w'), sort_keys=False)
PY
mv "$tmp/params.yaml.merged" "$tmp/params.yaml"
cd "$tmp"
git init -q -b main && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm quick
start=$(date +%s)
dvc repro
dvc status dvc.yaml
test -z "$(dvc status dvc.yaml --json | tr -d '{}[:space:]')" || { echo "quick_repro: dvc status not clean after repro" >&2; exit 1; }
python scripts/check_mismatch.py
echo "quick_repro: pipeline ran in $(( $(date +%s) - start )) s"
