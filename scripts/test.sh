#!/usr/bin/env bash
# `make test`: the whole suite against a throwaway PostgreSQL, then the release artefacts
# (`make dist`, `make wheel`) and what users do with them (Tests/Packaging: the archive under
# `env -i`, the wheel in a fresh venv, the pre-commit hooks, the GitHub Action's steps). The
# full log streams as usual; when something fails, its lines are printed again at the very end,
# so a CI job that keeps only the tail of the output still shows which test failed and why.
# Arguments go to `swift test` and skip the packaging part (e.g. `scripts/test.sh --filter X`).
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
log="$(mktemp "${TMPDIR:-/tmp}/strata-test.XXXXXX")"
trap 'rm -f "$log"' EXIT
bash scripts/pg-test-server.sh "$SWIFT" test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$#" -eq 0 ]; then
    echo
    echo "== packaging: make dist, make wheel, Tests/Packaging"
    { SWIFT="$SWIFT" bash scripts/dist.sh && bash scripts/wheel.sh \
        && python3 -m unittest discover --start-directory Tests/Packaging --verbose; } 2>&1 | tee -a "$log"
    packaging=${PIPESTATUS[0]}
    [ "$status" -ne 0 ] || status=$packaging
fi
if [ "$status" -ne 0 ]; then
    echo
    echo "== make test failed (exit $status); the failing lines again:"
    grep -E '✘|error:|fatal error|Fatal error|pg-test-server:|^(FAIL|ERROR):|^dist:|^wheel:' "$log" | grep -v 'passed after' | tail -n 60
fi
exit "$status"
