#!/usr/bin/env sh
# Headless chromium, its driver and CJK fonts (Korean labels) for the browser tests,
# from Debian's packages. Does nothing when they are already there.
set -eu
have() { command -v "$1" >/dev/null 2>&1; }
if have chromium && have chromedriver && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing chromium, chromium-driver and fonts-noto-cjk (Debian packages)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
