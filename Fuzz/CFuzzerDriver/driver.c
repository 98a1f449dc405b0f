// Declarations only; libFuzzer provides the definition when built with -sanitize=fuzzer.
