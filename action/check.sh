#!/usr/bin/env bash
# Step 2 of action.yml: `strata check` on the pull request. One run per output the job wants:
# `--format sarif` into the SARIF file, `--format markdown` into the job summary, and
# `--format github` last, whose workflow commands annotate the diff and whose exit code
# decides the job (with fail-on). Inputs come as environment variables, so the tests run this
# script with the GITHUB_* variables set by hand.
set -uo pipefail

fail() { echo "::error title=strata check::$*"; exit 2; }

command -v strata >/dev/null 2>&1 || fail "strata is not on PATH (the install step did not run?)"

arguments=(check)
base="${STRATA_BASE_REF:-}"
if [ -z "$base" ] && [ -n "${STRATA_PR_BASE:-}" ]; then
    base="origin/$STRATA_PR_BASE"
fi
if [ -n "$base" ]; then
    # actions/checkout fetches one commit by default; the merge base with the base branch needs
    # the history, so fetch what is missing instead of failing on a shallow clone.
    if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = "true" ]; then
        echo "strata: the checkout is shallow; fetching the history the merge base needs"
        git fetch --quiet --unshallow --no-tags origin || true
    fi
    if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null && [ -n "${STRATA_PR_BASE:-}" ]; then
        git fetch --quiet --no-tags origin "+refs/heads/$STRATA_PR_BASE:refs/remotes/origin/$STRATA_PR_BASE" || true
    fi
    arguments+=(--base "$base")
fi

case "${STRATA_FAIL_ON:-error}" in
    error | never) ;;
    warning) arguments+=(--fail-on warning) ;;
    *) fail "fail-on must be error, warning or never, not '${STRATA_FAIL_ON}'" ;;
esac

paths=()
[ -z "${STRATA_PATHS:-}" ] || read -r -a paths <<< "$STRATA_PATHS"

# Rule links point at the pages of the Strata the action comes from, unless the workflow set
# STRATA_RULE_DOCS_URL itself.
if [ -z "${STRATA_RULE_DOCS_URL:-}" ] && [ -n "${STRATA_ACTION_REPOSITORY:-}" ] && [ -n "${STRATA_ACTION_REF:-}" ]; then
    export STRATA_RULE_DOCS_URL="https://github.com/$STRATA_ACTION_REPOSITORY/blob/$STRATA_ACTION_REF/docs/rules/{rule}.md"
fi

sarif="${STRATA_SARIF_FILE:-strata.sarif}"
strata "${arguments[@]}" --format sarif "${paths[@]}" > "$sarif"
status=$?
[ "$status" -le 1 ] || { cat "$sarif" >&2; fail "strata check failed (exit $status)"; }
echo "sarif-file=$sarif" >> "${GITHUB_OUTPUT:-/dev/null}"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    strata "${arguments[@]}" --format markdown "${paths[@]}" >> "$GITHUB_STEP_SUMMARY"
fi

strata "${arguments[@]}" --format github "${paths[@]}"
status=$?
if [ "$status" -eq 1 ] && [ "${STRATA_FAIL_ON:-error}" = "never" ]; then
    echo "strata: findings reported; fail-on is never, so the job goes on"
    exit 0
fi
exit "$status"
