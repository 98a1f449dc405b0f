#!/usr/bin/env bash
# make bench: release build, Squawk in a private virtual environment, then scripts/bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product strata --static-swift-stdlib
swift build -c release --product strata-bench
if [ ! -x .build-bench/venv/bin/squawk ]; then
    mkdir -p .build-bench
    python3 -m venv .build-bench/venv
    .build-bench/venv/bin/pip install -q squawk-cli==2.70.0
fi
python3 scripts/bench.py
