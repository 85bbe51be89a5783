#!/usr/bin/env bash
# CI sync checks: `nbdev_clean` must not change the notebooks, `nbdev_export` must not change s3pot/.
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r nbs "$tmp/nbs"; cp -r s3pot "$tmp/s3pot"
nbdev_clean >/dev/null
if ! diff -r -q "$tmp/nbs" nbs; then echo "check_sync: nbdev_clean changed the notebooks above: run nbdev_clean and commit" >&2; exit 1; fi
nbdev_export
find s3pot -name __pycache__ -prune -o -type f -print | sort > "$tmp/after"
if ! diff -r -q -x __pycache__ "$tmp/s3pot" s3pot; then echo "check_sync: nbdev_export changed s3pot/ (above): export and commit" >&2; exit 1; fi
echo "check_sync: notebooks clean, library in sync"
