#!/usr/bin/env bash
# `make wheel`: dist/strata_migrations-<version>-py3-none-manylinux_2_<N>_<arch>.whl, holding
# the binary of the release archive (`make dist`), so `pip install` gives a `strata` command
# without Swift (python/strata_wheel.py writes it, with the standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${DIST_DIR:-dist}"
version="$(python3 -c 'import sys; sys.path.insert(0, "python"); import strata_wheel; print(strata_wheel.strata_version())')"
arch="$(uname -m)"
name="strata-$version-linux-$arch"
archive="$out/$name.tar.gz"
[ -f "$archive" ] || { echo "wheel: $archive is missing: run make dist first" >&2; exit 2; }
(cd "$out" && sha256sum --check --strict --status "$name.tar.gz.sha256") \
    || { echo "wheel: $archive does not match its .sha256" >&2; exit 2; }
release_date="$(sed -nE 's/^## \[[0-9][^]]*\] - ([0-9]{4}-[0-9]{2}-[0-9]{2}).*/\1/p' CHANGELOG.md | head -n 1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/strata-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work" "$name/strata"
rm -f "$out"/strata_migrations-"$version"-*.whl
python3 python/strata_wheel.py binary "$work/$name/strata" "$out" "$release_date" "$arch" LICENSE README.md
