#!/usr/bin/env bash
# The lint gate of `make test`: ruff, mypy and the import contracts of pyproject.toml.
# import-linter reads packages from the file system, so it is run on a tree of links that
# lays the stage folders out as they install (wijkatlas/geo, wijkatlas/indicators, ...).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/.venv/bin"
cd "$repo"
"$bin/ruff" check --quiet .
"$bin/mypy" --no-error-summary
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/wijkatlas"
for entry in "$repo"/wijkatlas/*; do
    [ "$(basename "$entry")" = vendor ] || ln -s "$entry" "$tree/wijkatlas/"
done
for stage in geo indicators api_config viewers; do ln -s "$repo/$stage" "$tree/wijkatlas/$stage"; done
cd "$tree"
report=$(PYTHONPATH="$tree" "$bin/lint-imports" --no-cache --config "$repo/pyproject.toml") || { echo "$report"; exit 1; }
echo "$report" | grep -E "KEPT|Contracts:"
