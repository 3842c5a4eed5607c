#!/usr/bin/env sh
# Headless chromium, its driver and CJK fonts (Korean labels) for the browser tests,
# and nginx for the test of two instances behind it (deploy/nginx), from Debian's
# packages. Does nothing when they are already there.
set -eu
have() { command -v "$1" >/dev/null 2>&1; }
# /usr/sbin is not on every user's PATH
have_nginx() { have nginx || [ -x /usr/sbin/nginx ]; }
if have chromium && have chromedriver && have_nginx \
  && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing chromium, chromium-driver, fonts-noto-cjk and nginx (Debian packages)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
  chromium chromium-driver fonts-noto-cjk nginx >/dev/null
