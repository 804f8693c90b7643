/* The bodies of the dense float32 kernels, written once and compiled once per level by
   dense.c, which defines before each inclusion:
     LEVEL       0, 1 or 2 (see CKernels.h);
     K(name)     the name with the level's suffix;
     MADD(a,b,c) a * b + c, fused at the levels with FMA (one rounding), a multiply and an add
                 at level 0 (a libm fmaf call there would be ~100x slower);
   and, for levels 1 and 2, a target attribute over the whole inclusion. Plain loops are
   vectorised by the compiler for the level's registers (xmm, ymm or zmm). */

/* Sixteen floats, two ymm or one zmm register. Element-aligned: loaded from any float. */
typedef float K(v16) __attribute__((vector_size(64), aligned(4)));

/* x in every lane (a vbroadcastss; `(v){0} + x` would be an add, since 0 + -0 is not -0). A
   macro: a function returning 16 floats in ymm pairs would change the ABI. */
#ifndef SPLAT16
#define SPLAT16(type, x) ({ const float s_ = (x); (type){s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_}; })
#endif

#if LEVEL >= 1
/* Rows of x W^T a tile holds: eight (16 accumulators) fit AVX-512's 32 registers, four (eight
   ymm pairs) AVX2's 16. */
#define SKINNY_ROWS (LEVEL == 2 ? 8 : 4)

static void K(skinny_rows)(const float *a, long k, const float *wT, long n, float *c, long ldc, float beta, long lo,
                           long hi) {
    typedef K(v16) v;
    for (long r0 = lo; r0 < hi; r0 += SKINNY_ROWS) {
        const long count = hi - r0 < SKINNY_ROWS ? hi - r0 : SKINNY_ROWS;
        const float *row[SKINNY_ROWS];
        /* A short last tile reads its last row again and stores only its own rows. */
        for (int r = 0; r < SKINNY_ROWS; r++) row[r] = a + (r0 + (r < count ? r : count - 1)) * k;
        v s[SKINNY_ROWS];
        for (int r = 0; r < SKINNY_ROWS; r++) s[r] = (v){0};
        const float *w = wT;
        for (long i = 0; i < k; i++, w += 16) {
            const v wv = *(const v *)w;
            for (int r = 0; r < SKINNY_ROWS; r++) s[r] = MADD(SPLAT16(v, row[r][i]), wv, s[r]);
        }
        for (int r = 0; r < count; r++) {
            float *out = c + (r0 + r) * ldc;
            if (beta == 0) {
                for (long j = 0; j < n; j++) out[j] = s[r][j];
            } else {
                for (long j = 0; j < n; j++) out[j] = beta * out[j] + s[r][j];
            }
        }
    }
}
#undef SKINNY_ROWS
#endif

#if LEVEL == 2
static void K(quadratic_tile)(const float *o, long ldo, const float *s, long count, float *y, long ldy, int accumulate,
                              long rows, float *mirror, long ldm) {
    typedef K(v16) v;
    v c0[8], c1[8];
    for (int r = 0; r < 8; r++) c0[r] = c1[r] = (v){0};
    const float *w = s;
    for (long q = 0; q < count; q++, w += 32) {
        const v b0 = *(const v *)w, b1 = *(const v *)(w + 16);
        for (int r = 0; r < 8; r++) {
            const v a = SPLAT16(v, o[r * ldo + q]);
            c0[r] = MADD(a, b0, c0[r]);
            c1[r] = MADD(a, b1, c1[r]);
        }
    }
    for (int r = 0; r < rows; r++) {
        v *row = (v *)(y + r * ldy);
        if (accumulate) {
            row[0] += c0[r];
            row[1] += c1[r];
        } else {
            row[0] = c0[r];
            row[1] = c1[r];
        }
        if (mirror) {
            v *m = (v *)(mirror + r * ldm);
            m[0] = c0[r];
            m[1] = c1[r];
        }
    }
}
#endif

static void K(pack_outer_row)(long i, const float *x, float *o) {
    long q = 0;
    for (long r = 0; r < i; r++) {
        const float v = x[r];
        float *dst = o + q - r;
        for (long c = r; c < i; c++) dst[c] = v * x[c];
        q += i - r;
    }
}

static void K(quadratic_input_gradient_row)(long i, const float *x, const float *m, float *d) {
    typedef K(v16) v;
    for (long c = 0; c < i; c++) d[c] = 0;
    long q = 0;
    for (long r = 0; r < i; r++) {
        /* Pairs (r, c), c >= r: d/dx_c gets M x_r (an axpy), d/dx_r gets sum_c M x_c (a dot),
           16 lanes at a time (a dot's single sum would not vectorise). */
        const float xr = x[r];
        const float *mrow = m + q, *xs = x + r;
        float *ds = d + r;
        const long n = i - r;
        v acc = {0};
        long j = 0;
        for (; j + 16 <= n; j += 16) {
            const v mv = *(const v *)(mrow + j);
            acc += mv * *(const v *)(xs + j);
            *(v *)(ds + j) += mv * xr;
        }
        float sum = 0;
        for (int l = 0; l < 16; l++) sum += acc[l];
        for (; j < n; j++) {
            ds[j] += mrow[j] * xr;
            sum += mrow[j] * xs[j];
        }
        d[r] += sum;
        q += n;
    }
}

/* The float32 normal CDF and exp(-x^2/2) behind GELU, written without branches, calls or
   trapping conversions so that the loops vectorise (selects become blends).

   Accuracy: relative error below 1e-6 for |x| <= 13, where Phi(x) >= 1e-38; below that Phi
   flushes to 0 (absolute error < 2e-38). erfc(z), z >= 0, is Numerical Recipes' Chebyshev fit
   (erfcc, fractional error < 1.2e-7 for every z >= 0): erfc(z) = t exp(-z^2 + P(t)),
   t = 1/(1 + z/2). Computed naively in float32 the exponent -z^2 + P(t) ~ -12 at x = -5 would
   carry an absolute rounding error ~1e-6, i.e. a relative error ~1e-6 in the result, so the
   exponent is carried as an exact pair: x^2 splits exactly (Dekker: x = xh + xl with 12-bit
   halves, so xh xh, xh xl, xl xl are exact products), the sum with P(t) keeps its rounding
   error (TwoSum), and the low part enters the exponential's reduced argument, where it is
   small. Only the polynomials use MADD; the exact steps are plain arithmetic, and dense.c
   turns off contraction so the compiler keeps them as written. */

static inline float K(from_bits)(unsigned int u) {
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
}

static inline unsigned int K(to_bits)(float f) {
    unsigned int u;
    __builtin_memcpy(&u, &f, 4);
    return u;
}

/* e^(hi + lo) for lo << hi, ~1 ulp: Cody-Waite reduction by ln 2 (the integer part by the
   1.5 2^23 rounding trick, no float-to-int conversion), Cephes' degree-7 polynomial on
   |r| <= ln2/2, the power of two built in the exponent bits. hi < -87.3 gives 0. */
static inline float K(exp_pair)(float hi, float lo) {
    float a = -87.3f >= hi ? -87.3f : hi; /* NaN stays NaN */
    a = 88.3f < a ? 88.3f : a;
    const float shifter = 12582912.0f; /* 1.5 2^23: adding it rounds to an integer */
    const float biased = a * 1.44269504f + shifter;
    const float k = biased - shifter;
    /* ln 2 = 0.693359375 - 2.12194440e-4 (the first part has 9 bits, so k times it is exact). */
    const float r = (a - k * 0.693359375f) + k * 2.12194440e-4f + lo;
    const float r2 = r * r, r4 = r2 * r2;
    const float p01 = MADD(1.6666665459e-1f, r, 5.0000001201e-1f);
    const float p23 = MADD(8.3334519073e-3f, r, 4.1665795894e-2f);
    const float p45 = MADD(1.9875691500e-4f, r, 1.3981999507e-3f);
    const float p = MADD(p45, r4, MADD(p23, r2, p01));
    const float er = MADD(p, r2, r) + 1;
    const unsigned int kBits = K(to_bits)(biased) - K(to_bits)(shifter);
    const float scale = K(from_bits)((kBits + 127u) << 23);
    return hi < -87.3f ? 0 : er * scale;
}

/* x^2 as an exact pair (hi, lo), hi + lo = x^2, without FMA: Dekker's split. */
static inline void K(square_pair)(float x, float *hi, float *lo) {
    const float xh = K(from_bits)(K(to_bits)(x) & 0xfffff000u);
    const float xl = x - xh;
    *hi = xh * xh;
    *lo = (xh + xh) * xl + xl * xl;
}

/* Phi(x) = erfc(-x/sqrt 2)/2, relative error < 1e-6 where Phi >= 1e-38. */
static inline float K(normal_cdf)(float x) {
    const float z = __builtin_fabsf(x) * 0.70710677f;
    const float t = 1 / (1 + 0.5f * z);
    const float t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    const float q0 = MADD(1.00002368f, t, -1.26551223f);
    const float q1 = MADD(0.09678418f, t, 0.37409196f);
    const float q2 = MADD(0.27886807f, t, -0.18628806f);
    const float q3 = MADD(1.48851587f, t, -1.13520398f);
    const float q4 = MADD(0.17087277f, t, -0.82215223f);
    const float p = MADD(q4, t8, MADD(MADD(q3, t2, q2), t4, MADD(q1, t2, q0)));
    float hi, lo;
    K(square_pair)(x, &hi, &lo);
    const float a = -0.5f * hi;
    const float s = a + p;
    const float bb = s - a;
    const float e = (a - (s - bb)) + (p - bb) - 0.5f * lo;
    const float tail = 0.5f * t * K(exp_pair)(s, e);
    return x < 0 ? tail : 1 - tail;
}

static void K(normal_cdf_rows)(const float *x, float *out, long lo, long hi) {
    for (long t = lo; t < hi; t++) out[t] = K(normal_cdf)(x[t]);
}

static void K(gelu)(const float *x, float *out, long lo, long hi) {
    for (long t = lo; t < hi; t++) out[t] = x[t] * K(normal_cdf)(x[t]);
}

static void K(gelu_backward)(const float *g, const float *x, const float *y, float *out, long lo, long hi) {
    for (long t = lo; t < hi; t++) {
        const float v = x[t];
        /* Phi as y/x (one division instead of the erfc fit); 0.5 + x/sqrt(2 pi) for |x| < 2^-20,
           where y/x loses digits. */
        const float cdf = __builtin_fabsf(v) < 9.536743e-7f ? MADD(v, 0.39894228f, 0.5f) : y[t] / v;
        float sh, sl;
        K(square_pair)(v, &sh, &sl);
        const float density = K(exp_pair)(-0.5f * sh, -0.5f * sl) * 0.39894228f;
        out[t] = g[t] * (cdf + v * density);
    }
}

static double K(sum)(const float *p, long n) {
    double total = 0;
    for (long start = 0; start < n; start += 1024) {
        const long end = start + 1024 < n ? start + 1024 : n;
        typedef K(v16) v;
        v acc = {0};
        long i = start;
        for (; i + 16 <= end; i += 16) acc += *(const v *)(p + i);
        float s = 0;
        for (int l = 0; l < 16; l++) s += acc[l];
        for (; i < end; i++) s += p[i];
        total += s;
    }
    return total;
}

/* ---- Element-wise arithmetic (float and double) -----------------------------------------
   The fast paths of LayerKit's element-wise ops: both operands contiguous, or one a single
   value (a step of 0). op: 0 add, 1 subtract, 2 multiply, 3 divide, 4 ReLU's backward (a where
   b > 0, else 0). No contraction: the same roundings as the generic Swift loops. */

#define ELEMENTWISE(type, suffix)                                                                                     \
    static void K(binary_##suffix)(int op, const type *a, long sa, const type *b, long sb, type *out, long n) {      \
        if (sa && sb) {                                                                                                \
            switch (op) {                                                                                              \
            case 0: for (long t = 0; t < n; t++) out[t] = a[t] + b[t]; break;                                          \
            case 1: for (long t = 0; t < n; t++) out[t] = a[t] - b[t]; break;                                          \
            case 2: for (long t = 0; t < n; t++) out[t] = a[t] * b[t]; break;                                          \
            case 3: for (long t = 0; t < n; t++) out[t] = a[t] / b[t]; break;                                          \
            default: for (long t = 0; t < n; t++) out[t] = b[t] > 0 ? a[t] : 0; break;                                 \
            }                                                                                                          \
        } else if (sa) {                                                                                               \
            const type s = b[0];                                                                                       \
            switch (op) {                                                                                              \
            case 0: for (long t = 0; t < n; t++) out[t] = a[t] + s; break;                                             \
            case 1: for (long t = 0; t < n; t++) out[t] = a[t] - s; break;                                             \
            case 2: for (long t = 0; t < n; t++) out[t] = a[t] * s; break;                                             \
            case 3: for (long t = 0; t < n; t++) out[t] = a[t] / s; break;                                             \
            default: for (long t = 0; t < n; t++) out[t] = s > 0 ? a[t] : 0; break;                                    \
            }                                                                                                          \
        } else {                                                                                                       \
            const type s = a[0];                                                                                       \
            switch (op) {                                                                                              \
            case 0: for (long t = 0; t < n; t++) out[t] = s + b[t]; break;                                             \
            case 1: for (long t = 0; t < n; t++) out[t] = s - b[t]; break;                                             \
            case 2: for (long t = 0; t < n; t++) out[t] = s * b[t]; break;                                             \
            case 3: for (long t = 0; t < n; t++) out[t] = s / b[t]; break;                                             \
            default: for (long t = 0; t < n; t++) out[t] = b[t] > 0 ? s : 0; break;                                    \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    static void K(affine_##suffix)(const type *x, type scale, type shift, type *out, long n) {                       \
        for (long t = 0; t < n; t++) out[t] = x[t] * scale + shift;                                                    \
    }                                                                                                                  \
    static void K(relu_##suffix)(const type *x, type *out, long n) {                                                  \
        for (long t = 0; t < n; t++) out[t] = x[t] > 0 ? x[t] : 0;                                                     \
    }                                                                                                                  \
    static void K(fill_##suffix)(type *p, type value, long n) {                                                       \
        for (long t = 0; t < n; t++) p[t] = value;                                                                     \
    }

ELEMENTWISE(float, f32)
ELEMENTWISE(double, f64)
#undef ELEMENTWISE

/* ---- Optimiser updates (float and double), in place ------------------------------------
   SGD, mode: 0 p += negLr g; 1 the same with weight decay d = g + wd p; 2 first momentum step
   (b = d); 3 first step, Nesterov; 4 b = b mu + keep d, p += negLr b; 5 the same, Nesterov
   (p += negLr (d + mu b)). Adam: d = g + l2 p, m += w1 (d - m), v = v b2 + w2 d d, with vmax
   (AMSGrad) vmax = max(vmax, v), p += negStep m / (sqrt(v or vmax) / bc2 + eps). The same
   operations in the same order as LayerKit's Swift loops had (no contraction). */

#define OPTIMISERS(type, suffix, sqrtfn)                                                                               \
    static void K(sgd_##suffix)(int mode, type *p, const type *g, type *b, long lo, long hi, type negLr, type wd,   \
                                type mu, type keep) {                                                                \
        switch (mode) {                                                                                                \
        case 0: for (long i = lo; i < hi; i++) p[i] += negLr * g[i]; break;                                            \
        case 1: for (long i = lo; i < hi; i++) p[i] += negLr * (g[i] + wd * p[i]); break;                              \
        case 2:                                                                                                        \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + wd * p[i];                                                                       \
                b[i] = d;                                                                                              \
                p[i] += negLr * d;                                                                                     \
            }                                                                                                          \
            break;                                                                                                     \
        case 3:                                                                                                        \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + wd * p[i];                                                                       \
                b[i] = d;                                                                                              \
                p[i] += negLr * (d + mu * d);                                                                          \
            }                                                                                                          \
            break;                                                                                                     \
        case 4:                                                                                                        \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + wd * p[i];                                                                       \
                const type v = b[i] * mu + keep * d;                                                                   \
                b[i] = v;                                                                                              \
                p[i] += negLr * v;                                                                                     \
            }                                                                                                          \
            break;                                                                                                     \
        default:                                                                                                       \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + wd * p[i];                                                                       \
                const type v = b[i] * mu + keep * d;                                                                   \
                b[i] = v;                                                                                              \
                p[i] += negLr * (d + mu * v);                                                                          \
            }                                                                                                          \
            break;                                                                                                     \
        }                                                                                                              \
    }                                                                                                                  \
    static void K(adam_##suffix)(type *p, const type *g, type *m, type *v, type *vmax, long lo, long hi, type w1,   \
                                 type b2, type w2, type negStep, type bc2, type eps, type l2) {                        \
        if (vmax) {                                                                                                    \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + l2 * p[i];                                                                       \
                m[i] += w1 * (d - m[i]);                                                                               \
                v[i] = v[i] * b2 + w2 * d * d;                                                                         \
                vmax[i] = v[i] >= vmax[i] ? v[i] : vmax[i];                                                            \
                p[i] += negStep * (m[i] / (sqrtfn(vmax[i]) / bc2 + eps));                                              \
            }                                                                                                          \
        } else {                                                                                                       \
            for (long i = lo; i < hi; i++) {                                                                           \
                const type d = g[i] + l2 * p[i];                                                                       \
                m[i] += w1 * (d - m[i]);                                                                               \
                v[i] = v[i] * b2 + w2 * d * d;                                                                         \
                p[i] += negStep * (m[i] / (sqrtfn(v[i]) / bc2 + eps));                                                 \
            }                                                                                                          \
        }                                                                                                              \
    }

OPTIMISERS(float, f32, __builtin_elementwise_sqrt)
OPTIMISERS(double, f64, __builtin_elementwise_sqrt)
#undef OPTIMISERS
