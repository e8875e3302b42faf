#!/usr/bin/env bash
# Installs what the browser tests need on a fresh machine (idempotent): Debian's chromium and the npm
# packages of package-lock.json (playwright-core drives the system chromium; nothing downloads a browser).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/lib/chromium/chromium ]; then
  echo "browser tests: installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  echo "browser tests: installing playwright-core and axe-core" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
