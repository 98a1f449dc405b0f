#!/usr/bin/env bash
# Installs the system packages Strata builds and tests with, when they are missing:
# libgit2 / sqlite3 / libpq development files (found through pkg-config) and, unless called
# with --build (building and installing need no server), a PostgreSQL 15 server for the test
# suite. Safe to run again: it installs nothing that is already there.
set -euo pipefail

build_only=false
[ "${1:-}" = "--build" ] && build_only=true

packages=()
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
have_pc libgit2 || packages+=(libgit2-dev)
have_pc sqlite3 || packages+=(libsqlite3-dev)
have_pc libpq || packages+=(libpq-dev)
$build_only || [ -x /usr/lib/postgresql/15/bin/initdb ] || packages+=(postgresql-15)

if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${packages[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-deps: need root (or sudo) to install: ${packages[*]}" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: done" >&2
