#ifndef LAYERKIT_CKERNELS_H
#define LAYERKIT_CKERNELS_H

/* LayerKit's SIMD kernels and its thread pool, in C so that each kernel can be compiled for
   several instruction sets in one build and picked at run time from the CPU's features: the
   package is built without -march flags (its manifest has no unsafeFlags), yet runs AVX-512
   code on a CPU that has it and never an instruction the CPU lacks.

   Levels: 0 portable (whatever the compiler's default target allows: SSE2 on x86-64, NEON on
   arm64), 1 AVX2 + FMA, 2 AVX-512 (F, BW, DQ, VL) + FMA. Every kernel takes the level to run
   at; Swift picks it (Kernels/Strategy.swift), never above lk_cpu_level(). A kernel asked to
   run at a level it has no code for runs the highest level below it that it has. */

/* The highest level this CPU and its operating system support (read once, with cpuid and
   xgetbv; 0 on other architectures). */
int lk_cpu_level(void);

/* ---- The thread pool ------------------------------------------------------------------- */

/* A task of a parallel job: fn(context, task) for task in 0 ..< tasks. */
typedef void (*lk_task_fn)(void *context, long task);

/* Runs fn(context, t) for every t in 0 ..< tasks, on the caller and up to threads - 1 pool
   workers. The caller claims tasks from the front and the workers from the back, one at a
   time, so each thread keeps to about the same part of the data from call to call, and a
   worker that is late only leaves more tasks to the caller. Workers spin for about 50 us
   after a job (back-to-back jobs do not wait for a wake-up), then sleep. A call made from
   inside a task, or while another thread's job holds the pool, runs every task on the caller.
   Returns when every task has run. */
void lk_parallel(long tasks, long threads, lk_task_fn fn, void *context);

/* ---- Dense float32 kernels ------------------------------------------------------------- */

/* c[r, 0 ..< n] = beta * c[r, 0 ..< n] + sum_i a[r * k + i] * wT[16 i + j] for rows lo ..< hi,
   wT holding W^T padded to 16 columns (n <= 16): x W^T for a Linear with few outputs.
   Levels 2 (eight rows at a time) and 1 (four rows at a time). */
void lk_skinny_rows(int level, const float *a, long k, const float *wT, long n, float *c, long ldc, float beta,
                    long lo, long hi);

/* One 8 x 32 tile of y = O S: y[r, 0 ..< 32] (+)= sum_q o[r * ldo + q] * s[32 q ..< 32 q + 32]
   for q < count (accumulating when accumulate != 0); rows 0 ..< rows are stored (all eight
   rows of o are read); with mirror non-null each stored row r is also written to
   mirror + r * ldm. Level 2 only. */
void lk_quadratic_tile(int level, const float *o, long ldo, const float *s, long count, float *y, long ldy,
                       int accumulate, long rows, float *mirror, long ldm);

/* One row of the packed outer product: o[q] = x[r] * x[c] for r <= c < i, pairs in row-major
   order of the upper triangle. */
void lk_pack_outer_row(int level, long i, const float *x, float *o);

/* One row of the tensor reduction's input gradient from its row m of M = g S^T:
   d[c] = sum_{r <= c} m[p(r, c)] x[r] + sum_{c' >= c} m[p(c, c')] x[c'] (the diagonal twice). */
void lk_quadratic_input_gradient_row(int level, long i, const float *x, const float *m, float *d);

/* out[t] = Phi(x[t]), the standard normal CDF (GELU's building block), for t in lo ..< hi. */
void lk_normal_cdf(int level, const float *x, float *out, long lo, long hi);

/* out[t] = x[t] Phi(x[t]) (the exact GELU) for t in lo ..< hi. */
void lk_gelu(int level, const float *x, float *out, long lo, long hi);

/* out[t] = g[t] (Phi(x[t]) + x[t] phi(x[t])) for t in lo ..< hi, Phi recovered from the forward's
   output y = x Phi(x). */
void lk_gelu_backward(int level, const float *g, const float *x, const float *y, float *out, long lo, long hi);

/* The sum of n contiguous floats: blocks of 1024 summed in float lanes, block sums in double. */
double lk_sum(int level, const float *p, long n);

/* ---- Element-wise arithmetic ------------------------------------------------------------ */

/* The fast paths of the element-wise ops, float32 (f32) and float64 (f64), at every level:
   out[t] = a[t * sa] op b[t * sb] for t < n, each step 1 (contiguous) or 0 (one value), not
   both 0. op: 0 add, 1 subtract, 2 multiply, 3 divide, 4 ReLU's backward (a where b > 0, else
   0). out may be a (in place). */
void lk_binary_f32(int level, int op, const float *a, long sa, const float *b, long sb, float *out, long n);
void lk_binary_f64(int level, int op, const double *a, long sa, const double *b, long sb, double *out, long n);

/* out[t] = x[t] * scale + shift (a multiply and an add, not fused): every op with a scalar operand. */
void lk_affine_f32(int level, const float *x, float scale, float shift, float *out, long n);
void lk_affine_f64(int level, const double *x, double scale, double shift, double *out, long n);

/* out[t] = x[t] > 0 ? x[t] : 0. */
void lk_relu_f32(int level, const float *x, float *out, long n);
void lk_relu_f64(int level, const double *x, double *out, long n);

/* p[t] = value for t < n. */
void lk_fill_f32(int level, float *p, float value, long n);
void lk_fill_f64(int level, double *p, double value, long n);

/* ---- Optimiser updates, in place, over elements lo ..< hi ------------------------------ */

/* SGD. mode 0: p += negLr g; 1: with weight decay, d = g + wd p, p += negLr d; 2: the first
   momentum step, b = d, p += negLr d; 3: the same, Nesterov, p += negLr (d + mu d); 4: b = b mu +
   keep d, p += negLr b; 5: the same, Nesterov, p += negLr (d + mu b). b may be null for 0 and 1. */
void lk_sgd_f32(int level, int mode, float *p, const float *g, float *b, long lo, long hi, float negLr, float wd,
                float mu, float keep);
void lk_sgd_f64(int level, int mode, double *p, const double *g, double *b, long lo, long hi, double negLr, double wd,
                double mu, double keep);

/* Adam: d = g + l2 p, m += w1 (d - m), v = v b2 + w2 d d, (AMSGrad, vmax non-null: vmax = max(vmax,
   v)), p += negStep m / (sqrt(v or vmax) / bc2 + eps). */
void lk_adam_f32(int level, float *p, const float *g, float *m, float *v, float *vmax, long lo, long hi, float w1,
                 float b2, float w2, float negStep, float bc2, float eps, float l2);
void lk_adam_f64(int level, double *p, const double *g, double *m, double *v, double *vmax, long lo, long hi,
                 double w1, double b2, double w2, double negStep, double bc2, double eps, double l2);

/* ---- The lane FFT (level 2 only) --------------------------------------------------------- */

/* Bins 0 ..< m (m <= h + 1) of the real DFT of each of batch rows of in (n = 2h floats each),
   written as m (re, im) float pairs per row to out, over up to threads threads of the pool.
   Per group of 16 rows: a transposition into lane layout, the lane FFT of h points (stages[3i
   ..< 3i + 3] = radix, block length and offset into twiddles, for count stages of radix 8,
   4, 2, 3 or 5; the result digit-reversed), then the real transform's butterflies (w[2k],
   w[2k + 1] = e^{-2 pi i k/n}/2, bin k found at position[k], position[h] = position[0]) and a
   transposition into the output rows. Missing rows of a last group repeat its last row. The
   plans are made in Sources/LayerKit/FFT/LaneFFT.swift. */
void lk_lane_rfft(int level, const float *in, long n, long batch, long m, float *out, const long *stages, long count,
                  const float *twiddles, const float *w, const long *position, long threads);

#endif
