#!/usr/bin/env bash
# What the test suite needs beyond the Python venv, installed only when missing (idempotent):
# Node.js and the npm packages of tests/node (amazon-cognito-identity-js, the SRP client the
# suite drives), and, once tests/browser exists, Debian's Chromium with CJK fonts for the
# hosted-UI browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "test-deps: $*" >&2; }

need_apt=()
if [ -f tests/node/package.json ]; then
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
  command -v npm >/dev/null 2>&1 || need_apt+=(npm)
fi
if [ -d tests/browser ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  [ -d /usr/share/fonts/truetype/wqy ] || need_apt+=(fonts-wqy-microhei)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  bash scripts/apt-install.sh "${need_apt[@]}"
fi

# Install when node_modules is missing or older than the manifest or the lockfile.
if [ -f tests/node/package.json ]; then
  if [ ! -d tests/node/node_modules ] || [ tests/node/package.json -nt tests/node/node_modules ] \
    || { [ -f tests/node/package-lock.json ] \
      && [ tests/node/package-lock.json -nt tests/node/node_modules ]; }; then
    log "installing tests/node's packages"
    if [ -f tests/node/package-lock.json ]; then
      (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
    else
      (cd tests/node && npm install --no-audit --no-fund --loglevel=error)
    fi
    touch tests/node/node_modules
  fi
fi
