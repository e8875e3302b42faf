#!/usr/bin/env bash
# Installs the Telegram Bot API emulator of the adapter's tests (idempotent): npm's telegram-test-api.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/telegram-test-api ]; then
  echo "telegram tests: installing telegram-test-api" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
