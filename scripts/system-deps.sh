#!/usr/bin/env bash
# Installs the Debian packages the test suite drives from outside Python,
# only when they are missing. Needs root (as on CI) or sudo.
set -euo pipefail

missing=()
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Debian-pakketten installeren: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
