#ifndef LAYERKIT_CLANEFFT_H
#define LAYERKIT_CLANEFFT_H

/* The AVX-512 kernels of LayerKit's lane FFT (Sources/LayerKit/FFT/LaneFFT.swift): 16 rows
   side by side, element t of a transform stored as two 16-float vectors (the real parts of
   the 16 rows, then the imaginary parts). The layout, the stage order and the twiddle tables
   are those of LaneFFTPlan; these functions do the same arithmetic as its Swift code with
   explicit AVX-512 instructions, and their transpositions as 16x16 register transposes.
   Built without AVX-512F and FMA they are empty and lk_lane_kernels() returns 0. */

/* 1 when this build has the AVX-512 kernels (compiled with AVX-512F and FMA), else 0. */
int lk_lane_kernels(void);

/* Rows 0 ..< rows of src (each n floats, read as h complex values) into lane layout at z
   (2h vectors of 16 floats, 64-byte aligned); missing rows of the group repeat the last one. */
void lk_lane_load(const float *src, long n, long rows, long h, float *z);

/* The in-place lane FFT of h points at z: stages[3i ..< 3i + 3] = (radix, length, offset into
   twiddles) for each of count stages, radices 8, 4, 2, 3 and 5; the result is digit-reversed. */
void lk_lane_fft(float *z, const long *stages, long count, const float *twiddles);

/* Bins 0 ..< m of the real transform of length 2h from the half-length spectrum z (lane
   layout, digit-reversed through position[0 ... h]), with w[2k], w[2k + 1] = e^{-2 pi i k/2h}/2,
   written as (re, im) pairs to rows 0 ..< rows of dst (rows 2m floats apart). */
void lk_lane_bins_store(const float *z, long h, long m, long rows, const float *w, const long *position, float *dst);

#endif
