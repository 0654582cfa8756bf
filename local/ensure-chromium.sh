#!/usr/bin/env bash
# ensure-chromium.sh installs Debian's chromium for the browser tests
# (internal/e2e) when it is missing. The tests use /usr/bin/chromium, or
# the browser named by CHROMIUM.
set -euo pipefail
browser=${CHROMIUM:-/usr/bin/chromium}
if command -v "$browser" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: no Chromium at $browser. Install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM to a Chromium binary." >&2
exit 1
