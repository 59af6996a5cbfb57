#!/usr/bin/env bash
# Installs the Debian packages Wijkatlas needs from outside Python, only when
# they are missing. Needs root (as on CI) or sudo.
#   gdal-bin, libgdal-dev    ogrinfo/ogr2ogr for tests, headers to build GDAL's Python bindings
#   postgresql-15-postgis-3  the database `wijkatlas publish --postgis` is tested against
#   chromium                 headless browser the viewer tests render in
#   python3-qgis, qgis-providers  QGIS (3.22) as a headless client of the OGC API in the tests
#   nodejs, npm              installs the web libraries of package.json
#   fonts-dejavu-core        the font of the PDF profiles
set -euo pipefail

needed=(gdal-bin libgdal-dev postgresql-15-postgis-3 chromium python3-qgis qgis-providers nodejs npm fonts-dejavu-core)
missing=()
for package in "${needed[@]}"; do
    case "$package" in
        nodejs|npm) command -v "$package" >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Debian-pakketten installeren: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
