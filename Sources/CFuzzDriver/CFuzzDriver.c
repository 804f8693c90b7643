#include "CFuzzDriver.h"

// libFuzzer's entry point for programs that keep their own main. Weak, so that a normal
// build (no -sanitize=fuzzer) still links and the program can say how to build it.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))
    __attribute__((weak));

int lk_run_fuzzer(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t)) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
