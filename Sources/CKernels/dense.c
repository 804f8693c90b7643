#include "CKernels.h"

#include <stdlib.h>

/* The dense float32 kernels (bodies in dense_body.h), compiled once per level, and the
   entry points that pick a level's code. Contraction is off in this file: the exact steps
   of the GELU (Dekker's split, TwoSum) must not be fused; the polynomials fuse through MADD
   where the level has FMA. */
#pragma STDC FP_CONTRACT OFF

#define K(name) name##_portable
#define LEVEL 0
#define MADD(a, b, c) ((a) * (b) + (c))
#include "dense_body.h"
#undef K
#undef LEVEL
#undef MADD

#if defined(__x86_64__)
#define MADD(a, b, c) __builtin_elementwise_fma((a), (b), (c))

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define K(name) name##_avx2
#define LEVEL 1
#include "dense_body.h"
#undef K
#undef LEVEL
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#define K(name) name##_avx512
#define LEVEL 2
#include "dense_body.h"
#undef K
#undef LEVEL
#pragma clang attribute pop

#undef MADD
/* The level's function among those compiled: a level with no code of its own runs the next
   one below it. */
#define PICK3(level, name) ((level) >= 2 ? name##_avx512 : (level) == 1 ? name##_avx2 : name##_portable)
#define PICK_FMA(level, name) ((level) >= 2 ? name##_avx512 : name##_avx2)
#else
#define PICK3(level, name) ((void)(level), name##_portable)
#endif

void lk_skinny_rows(int level, const float *a, long k, const float *wT, long n, float *c, long ldc, float beta,
                    long lo, long hi) {
#if defined(__x86_64__)
    if (level >= 1) {
        PICK_FMA(level, skinny_rows)(a, k, wT, n, c, ldc, beta, lo, hi);
        return;
    }
#endif
    (void)level; (void)a; (void)k; (void)wT; (void)n; (void)c; (void)ldc; (void)beta; (void)lo; (void)hi;
    abort(); /* LayerKit takes OpenBLAS at level 0 */
}

void lk_quadratic_tile(int level, const float *o, long ldo, const float *s, long count, float *y, long ldy,
                       int accumulate, long rows, float *mirror, long ldm) {
#if defined(__x86_64__)
    if (level >= 2) {
        quadratic_tile_avx512(o, ldo, s, count, y, ldy, accumulate, rows, mirror, ldm);
        return;
    }
#endif
    (void)level; (void)o; (void)ldo; (void)s; (void)count; (void)y; (void)ldy; (void)accumulate; (void)rows; (void)mirror;
    (void)ldm;
    abort(); /* LayerKit takes OpenBLAS below level 2 */
}

void lk_pack_outer_row(int level, long i, const float *x, float *o) { PICK3(level, pack_outer_row)(i, x, o); }

void lk_quadratic_input_gradient_row(int level, long i, const float *x, const float *m, float *d) {
    PICK3(level, quadratic_input_gradient_row)(i, x, m, d);
}

void lk_normal_cdf(int level, const float *x, float *out, long lo, long hi) {
    PICK3(level, normal_cdf_rows)(x, out, lo, hi);
}

void lk_gelu(int level, const float *x, float *out, long lo, long hi) { PICK3(level, gelu)(x, out, lo, hi); }

void lk_gelu_backward(int level, const float *g, const float *x, const float *y, float *out, long lo, long hi) {
    PICK3(level, gelu_backward)(g, x, y, out, lo, hi);
}

double lk_sum(int level, const float *p, long n) { return PICK3(level, sum)(p, n); }

#define ELEMENTWISE_ENTRIES(type, suffix)                                                                              \
    void lk_binary_##suffix(int level, int op, const type *a, long sa, const type *b, long sb, type *out, long n) {   \
        PICK3(level, binary_##suffix)(op, a, sa, b, sb, out, n);                                                       \
    }                                                                                                                  \
    void lk_affine_##suffix(int level, const type *x, type scale, type shift, type *out, long n) {                    \
        PICK3(level, affine_##suffix)(x, scale, shift, out, n);                                                        \
    }                                                                                                                  \
    void lk_relu_##suffix(int level, const type *x, type *out, long n) { PICK3(level, relu_##suffix)(x, out, n); }   \
    void lk_fill_##suffix(int level, type *p, type value, long n) { PICK3(level, fill_##suffix)(p, value, n); }

ELEMENTWISE_ENTRIES(float, f32)
ELEMENTWISE_ENTRIES(double, f64)

#define OPTIMISER_ENTRIES(type, suffix)                                                                                \
    void lk_sgd_##suffix(int level, int mode, type *p, const type *g, type *b, long lo, long hi, type negLr, type wd,  \
                         type mu, type keep) {                                                                         \
        PICK3(level, sgd_##suffix)(mode, p, g, b, lo, hi, negLr, wd, mu, keep);                                        \
    }                                                                                                                  \
    void lk_adam_##suffix(int level, type *p, const type *g, type *m, type *v, type *vmax, long lo, long hi, type w1,  \
                          type b2, type w2, type negStep, type bc2, type eps, type l2) {                               \
        PICK3(level, adam_##suffix)(p, g, m, v, vmax, lo, hi, w1, b2, w2, negStep, bc2, eps, l2);                      \
    }

OPTIMISER_ENTRIES(float, f32)
OPTIMISER_ENTRIES(double, f64)
