#!/usr/bin/env bash
# Builds the wheel, installs it in a clean virtual environment and runs `wijkatlas demo` outside the
# checkout: the demo data, templates and web assets must travel as package data, and the stages must
# import only as wijkatlas.geo, wijkatlas.indicators, ... (a user's own geo.py cannot shadow them).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work" "$repo/build"' EXIT
rm -rf "$repo/build"  # setuptools reuses it: a stale copy of a removed module would end up in the wheel
# setuptools warns that the data and vendor folders could be packages; they travel as package data
"$repo/.venv/bin/python" -m pip wheel --quiet --no-deps -w "$work/dist" "$repo" >"$work/wheel.log" 2>&1 \
    || { cat "$work/wheel.log"; exit 1; }
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -c "$repo/constraints.txt" "$work"/dist/wijkatlas-*.whl \
    >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
cd "$work"
echo 'raise SystemExit("the user own geo.py was imported")' > geo.py
"$work/venv/bin/python" -c "import wijkatlas.geo.gebieden, wijkatlas.indicators.engine, wijkatlas.viewers.site"
if "$work/venv/bin/python" -I -c "import indicators" 2>/dev/null; then
    echo "fout: 'import indicators' werkt buiten de repository; alleen wijkatlas.* mag bestaan" >&2
    exit 1
fi
"$work/venv/bin/wijkatlas" demo --out "$work/out" >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
for made in datapakhuis.gpkg export/indicatoren_wijk.xlsx api/openbaar.gpkg viewers/index.html viewers/vendor/leaflet/leaflet.js; do
    test -s "$work/out/$made" || { echo "fout: wheel-demo schreef $made niet" >&2; exit 1; }
done
echo "wheel: 'wijkatlas demo' buiten de repository geeft datapakhuis, exports, API-data en kaarten"
