#!/usr/bin/env bash
# make fuzz: libFuzzer over the lexer, splitter, statement reader, migration parser and lint
# engine, for a bounded time (first argument, seconds; default 600). Crashing inputs land in
# fuzz-artifacts/; replay one with `.build/debug/strata-fuzz FILE` (a plain `swift build`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
swift build -c release --product strata-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
binary=.build-fuzz/release/strata-fuzz
mkdir -p .build-fuzz/corpus fuzz-artifacts
"$binary" --write-seeds .build-fuzz/corpus >/dev/null
# Real migrations make good seeds when the shared corpus is beside the checkout.
if [ -d ../shared/corpus ] && [ ! -f .build-fuzz/corpus/.seeded ]; then
    mapfile -t seeds < <(find ../shared/corpus -name '*.sql' -size -16k | sort | awk 'NR % 12 == 1')
    for f in "${seeds[@]}"; do
        cp "$f" ".build-fuzz/corpus/seed-$(printf '%s' "$f" | md5sum | cut -c1-12).sql"
    done
    touch .build-fuzz/corpus/.seeded
fi
echo "fuzz: running for ${seconds}s"
SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -timeout=10 -max_len=65536 \
    -artifact_prefix=fuzz-artifacts/ -print_final_stats=1 .build-fuzz/corpus
