#!/usr/bin/env bash
# scripts/man-page.sh BINARY DATE OUT_DIR: writes OUT_DIR/strata.1, one manual page for strata
# and all its subcommands, made by swift-argument-parser's generate-manual tool from the
# binary's own description of every command (`--experimental-dump-help`), so it cannot drift
# from the binary it ships with.
#
# The tool is built from the argument-parser checkout the package already resolved, as a
# package of its own (about a minute): the GenerateManual plugin would first build every
# product of Strata in release mode, which takes far longer.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
binary="$1"
date="$2"
out="$3"
checkout=.build/checkouts/swift-argument-parser
[ -d "$checkout" ] || "$SWIFT" package resolve
"$SWIFT" build --package-path "$checkout" --scratch-path .build-manual --product generate-manual >&2
mkdir -p "$out"
.build-manual/debug/generate-manual "$binary" --date "$date" --authors "Strata contributors" --output-directory "$out" >&2
[ -s "$out/strata.1" ] || { echo "man-page: generate-manual wrote no $out/strata.1" >&2; exit 2; }
