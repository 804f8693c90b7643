#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with `callback` as the fuzz target when the executable was linked with
/// `-sanitize=fuzzer`; returns -1 without fuzzing otherwise.
int lk_run_fuzzer(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

#endif
