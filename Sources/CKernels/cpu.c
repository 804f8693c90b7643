#include "CKernels.h"

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>

/* Which register state the operating system saves (XCR0): AVX needs bits 1-2, AVX-512 also
   the opmask and upper-zmm bits 5-7. A CPU can have the instructions while the OS has them
   switched off, and then they fault. */
static unsigned long long xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int detect(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    const unsigned long long state = xcr0();
    if ((state & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int avx2 = (b >> 5) & 1;
    const int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1); /* F, DQ, BW, VL */
    if (!avx2) return 0;
    if (avx512 && (state & 0xe6) == 0xe6) return 2;
    return 1;
}
#else
static int detect(void) { return 0; }
#endif

int lk_cpu_level(void) {
    static _Atomic int cached = -1;
    int level = atomic_load_explicit(&cached, memory_order_relaxed);
    if (level < 0) {
        level = detect();
        atomic_store_explicit(&cached, level, memory_order_relaxed);
    }
    return level;
}
