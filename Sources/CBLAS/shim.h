#include <cblas.h>

/* 1 when this build's C, and so Swift, code may use AVX-512F and FMA instructions (built
   with `-Xcc -march=native` on an AVX-512 machine, or `-Xcc -mavx512f`), else 0. LayerKit's
   own SIMD16 code (the lane FFT, the tensor reduction's tile kernel) is used only then;
   without it 16-lane vectors spill and FFTW and OpenBLAS are faster. */
#if defined(__AVX512F__) && defined(__FMA__)
#define LAYERKIT_AVX512F 1
#else
#define LAYERKIT_AVX512F 0
#endif
