#!/usr/bin/env bash
# Installs Debian packages for the make targets when they are missing: as root only, and
# with `apt-get update` only when installing from the current package lists fails (a fresh
# machine has none). Usage: scripts/apt-install.sh PACKAGE...
set -euo pipefail
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing: $* (install them, or run as root)" >&2
  exit 1
fi
echo "installing $*" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
fi
