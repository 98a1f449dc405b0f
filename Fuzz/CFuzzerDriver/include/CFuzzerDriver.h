#ifndef STRATA_FUZZER_DRIVER_H
#define STRATA_FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>
/// libFuzzer's entry point when the program has its own main (see build-recipes).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
