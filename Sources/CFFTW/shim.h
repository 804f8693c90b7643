#include <fftw3.h>

/* 1 when this build may use AVX-512F and FMA (e.g. `-Xcc -march=native` on such a machine),
   else 0: LayerKit's lane FFT (Sources/LayerKit/FFT/LaneFFT.swift) only pays off with them. */
#if defined(__AVX512F__) && defined(__FMA__)
#define LAYERKIT_LANE_SIMD 1
#else
#define LAYERKIT_LANE_SIMD 0
#endif
