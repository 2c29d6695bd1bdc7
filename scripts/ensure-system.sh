#!/usr/bin/env bash
# Install the Debian packages the app and its tests need, if missing: a CJK TrueType font (certificates),
# poppler-utils (PDF checks), zbar-tools (reading certificates' QR codes back in tests), chromium (browser tests),
# wrk (benchmarks) and redis-server (the shared cache's Redis backend, tested with two app instances).
# Usage: scripts/ensure-system.sh [fonts|all]
set -euo pipefail
what=${1:-all}
need=()
[ -f /usr/share/fonts/truetype/arphic/ukai.ttc ] || need+=(fonts-arphic-ukai)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
if [ "$what" = all ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${need[*]} (no apt-get here)" >&2
  [ "$what" = fonts ] && exit 0 || exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "Installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
