#include <cblas.h>

/* 1 when this build's C, and so Swift, code may use AVX-512F instructions (built with
   `-Xcc -march=native` on an AVX-512 machine, or `-Xcc -mavx512f`), else 0. LayerKit's own
   SIMD16 kernels are used only then; without it they would spill and OpenBLAS is faster. */
#if defined(__AVX512F__)
#define LAYERKIT_AVX512F 1
#else
#define LAYERKIT_AVX512F 0
#endif
