#!/usr/bin/env bash
# Installs what the embedded test suite needs beyond the Python venv: Node.js packages for
# the amazon-cognito-identity-js SRP client, Debian's Chromium for Playwright. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ -f tests/browser/.enabled ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium fonts-wqy-microhei)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing: ${need_apt[*]} (install them, or run as root)" >&2
  fi
fi
if [ -f tests/node/package.json ] && [ ! -d tests/node/node_modules ]; then
  (cd tests/node && npm install --no-audit --no-fund --silent)
fi
