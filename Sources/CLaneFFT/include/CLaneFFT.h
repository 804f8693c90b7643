#ifndef LAYERKIT_CLANEFFT_H
#define LAYERKIT_CLANEFFT_H

/* The AVX-512 kernels of LayerKit's lane FFT (plans in Sources/LayerKit/FFT/LaneFFT.swift):
   16 rows side by side, element t of a transform stored as two 16-float vectors (the real
   parts of the 16 rows, then the imaginary parts), the transpositions in and out as 16x16
   register transposes. The stage order and the tables are those of LaneFFTPlan. Built without
   AVX-512F and FMA they do nothing and lk_lane_kernels() returns 0 (LayerKit then takes
   FFTW's c2c). */

/* 1 when this build has the AVX-512 kernels (compiled with AVX-512F and FMA), else 0. */
int lk_lane_kernels(void);

/* Bins 0 ..< m (m <= h + 1) of the real DFT of each of batch rows of in (n = 2h floats each),
   written as m (re, im) float pairs per row to out, over up to threads threads (the caller
   and threads - 1 pool workers, which spin for about 50 µs after a call and then sleep).
   Per group of 16 rows: a transposition into lane layout, the lane FFT of h points (stages[3i
   ..< 3i + 3] = radix, block length and offset into twiddles, for count stages of radix 8,
   4, 2, 3 or 5; the result digit-reversed), then the real transform's butterflies (w[2k],
   w[2k + 1] = e^{-2 pi i k/n}/2, bin k found at position[k], position[h] = position[0]) and a
   transposition into the output rows. Missing rows of a last group repeat its last row. */
void lk_lane_rfft(const float *in, long n, long batch, long m, float *out, const long *stages, long count,
                  const float *twiddles, const float *w, const long *position, long threads);

#endif
