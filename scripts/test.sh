#!/usr/bin/env bash
# `make test`: the whole suite against a throwaway PostgreSQL. The full log streams as usual;
# when something fails, its lines are printed again at the very end, so a CI job that keeps
# only the tail of the output still shows which test failed and why.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
log="$(mktemp "${TMPDIR:-/tmp}/strata-test.XXXXXX")"
trap 'rm -f "$log"' EXIT
bash scripts/pg-test-server.sh "$SWIFT" test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo
    echo "== make test failed (exit $status); the failing lines again:"
    grep -E '✘|error:|fatal error|Fatal error|pg-test-server:' "$log" | grep -v 'passed after' | tail -n 60
fi
exit "$status"
