#!/usr/bin/env bash
# `make dist`: the release archive a user installs without Swift.
#
#   dist/strata-<version>-linux-<arch>.tar.gz   strata-<version>-linux-<arch>/{strata, LICENSE,
#                                               README.md, CHANGELOG.md, completions/, man/}
#   dist/strata-<version>-linux-<arch>.tar.gz.sha256   (`sha256sum -c` format)
#
# The binary links the Swift runtime in (--static-swift-stdlib), so it needs no Swift on the
# machine; libgit2 and libpq are opened on first use (Sources/CLibraryLoader), libsqlite3 is a
# normal shared library. The archive is reproducible: sorted names, fixed owner and mtime (the
# newest CHANGELOG release's date), gzip without a timestamp.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
out="${DIST_DIR:-dist}"

"$SWIFT" build -c release --product strata --static-swift-stdlib
bin=.build/release/strata
version="$("$bin" --version)"
arch="$(uname -m)"
name="strata-$version-linux-$arch"

# The runtime must really be inside: a libswift* or /opt/swift path in ldd would mean the
# archive only works where Swift is installed.
if ldd "$bin" | grep -E 'libswift|libFoundation|libdispatch|/swift/' >&2; then
    echo "dist: $bin still loads the Swift runtime from the toolchain (above)" >&2
    exit 1
fi

# The release date of the newest version in CHANGELOG.md stamps the man page and the archive,
# so that building the same version twice gives the same bytes.
release_date="$(sed -nE 's/^## \[[0-9][^]]*\] - ([0-9]{4}-[0-9]{2}-[0-9]{2}).*/\1/p' CHANGELOG.md | head -n 1)"
[ -n "$release_date" ] || { echo "dist: no dated release in CHANGELOG.md" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/strata-dist.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage/completions" "$stage/man"

install -m 0755 "$bin" "$stage/strata"
strip "$stage/strata"
install -m 0644 LICENSE README.md CHANGELOG.md "$stage/"

# Completions and the man page come from the parser's own description of every command, so
# they cannot drift from the binary they ship with.
"$bin" --generate-completion-script bash > "$stage/completions/strata.bash"
"$bin" --generate-completion-script zsh > "$stage/completions/_strata"
"$bin" --generate-completion-script fish > "$stage/completions/strata.fish"
bash scripts/man-page.sh "$bin" "$release_date" "$stage/man"

mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$release_date 00:00:00Z" \
    -C "$work" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "dist: $out/$name.tar.gz"
echo "dist: $out/$name.tar.gz.sha256"
