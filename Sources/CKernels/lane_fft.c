#include "CKernels.h"

#include <pthread.h>
#include <stdlib.h>

/* The lane FFT: 16 rows side by side, element t of a transform stored as two 16-float vectors
   (the real parts of the 16 rows, then the imaginary parts), the transpositions in and out as
   16x16 register transposes. The stage order and the tables are those of LaneFFTPlan
   (Sources/LayerKit/FFT/LaneFFT.swift). AVX-512 only: a portable-SIMD lane FFT with AVX2 was
   about 2.5x FFTW's time, so below level 2 LayerKit takes FFTW's c2c instead. Compiled for
   AVX-512 whatever the build's target, and called only when the CPU has it. */

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)

typedef __m512 V;

/* ---- Transposition ---------------------------------------------------------------------- */

/* The in-lane half of a 16x16 transpose: within each 128-bit lane, the 4x4 blocks of the
   vectors r[4q ..< 4q + 4] are transposed (vector 4q + i, element e of a lane becomes vector
   4q + e, element i). */
static inline void transpose4x4Lanes(V *r) {
    for (int q = 0; q < 16; q += 4) {
        V t0 = _mm512_unpacklo_ps(r[q], r[q + 1]), t1 = _mm512_unpackhi_ps(r[q], r[q + 1]);
        V t2 = _mm512_unpacklo_ps(r[q + 2], r[q + 3]), t3 = _mm512_unpackhi_ps(r[q + 2], r[q + 3]);
        r[q] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
        r[q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
        r[q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
        r[q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
    }
}

/* A 16x16 transpose in registers: r[i] element j becomes r[j] element i. */
static inline void transpose16(V *r) {
    /* Vector 4g + j now holds, in lane L, column 4L + j of rows 4g ..< 4g + 4. */
    transpose4x4Lanes(r);
    V *t = r;
    V u[16];
    for (int j = 0; j < 4; j++) {
        u[j] = _mm512_shuffle_f32x4(t[j], t[4 + j], 0x88);
        u[4 + j] = _mm512_shuffle_f32x4(t[j], t[4 + j], 0xdd);
        u[8 + j] = _mm512_shuffle_f32x4(t[8 + j], t[12 + j], 0x88);
        u[12 + j] = _mm512_shuffle_f32x4(t[8 + j], t[12 + j], 0xdd);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm512_shuffle_f32x4(u[j], u[8 + j], 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(u[j], u[8 + j], 0xdd);
        r[4 + j] = _mm512_shuffle_f32x4(u[4 + j], u[12 + j], 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(u[4 + j], u[12 + j], 0xdd);
    }
}

static void lk_lane_load(const float *src, long n, long rows, long h, float *zf) {
    V *z = (V *)zf;
    const float *row[16];
    for (int l = 0; l < 16; l++) row[l] = src + (l < rows ? l : rows - 1) * n;
    long t = 0;
    for (; t + 8 <= h; t += 8) {
        /* Vector 4q + i gets, in lane L, floats 4q ..< 4q + 4 (of this block of 16) of row
           4L + i: the lane-crossing half of the transpose done by the loads. */
        V r[16];
        const long f = 2 * t;
        /* Row by row (i, 4 + i, 8 + i, 12 + i), so that only four of the sixteen row lines
           (which fall in one L1 set when the rows are 4 KB apart) are being read at a time. */
        for (int i = 0; i < 4; i++) {
            for (int q = 0; q < 4; q++) {
                V v = _mm512_castps128_ps512(_mm_loadu_ps(row[i] + f + 4 * q));
                v = _mm512_insertf32x4(v, _mm_loadu_ps(row[4 + i] + f + 4 * q), 1);
                v = _mm512_insertf32x4(v, _mm_loadu_ps(row[8 + i] + f + 4 * q), 2);
                v = _mm512_insertf32x4(v, _mm_loadu_ps(row[12 + i] + f + 4 * q), 3);
                r[4 * q + i] = v;
            }
        }
        transpose4x4Lanes(r);
        for (int c = 0; c < 16; c++) _mm512_store_ps((float *)(z + f + c), r[c]);
    }
    for (; t < h; t++) {
        for (int l = 0; l < 16; l++) {
            zf[(2 * t) * 16 + l] = row[l][2 * t];
            zf[(2 * t + 1) * 16 + l] = row[l][2 * t + 1];
        }
    }
}

/* ---- Butterflies ------------------------------------------------------------------------ */

#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define MUL _mm512_mul_ps

/* (ar + i ai)(wr + i wi) with wr, wi broadcast from w[0], w[1]. */
static inline void cmulw(V ar, V ai, const float *w, V *outR, V *outI) {
    V wr = _mm512_set1_ps(w[0]), wi = _mm512_set1_ps(w[1]);
    *outR = _mm512_fmsub_ps(ar, wr, MUL(ai, wi));
    *outI = _mm512_fmadd_ps(ar, wi, MUL(ai, wr));
}

static inline void put(V *o, long at, V re, V im, const float *w, int twiddled) {
    if (twiddled) cmulw(re, im, w, &re, &im);
    _mm512_store_ps((float *)(o + at), re);
    _mm512_store_ps((float *)(o + at + 1), im);
}

#define LD(i) _mm512_load_ps((const float *)(a + (i)))

/* The 4-point DFT of x[0], x[s], x[2 s], x[3 s] (each a (re, im) pair of vectors) into
   y[2 k], y[2 k + 1] for k < 4: Y0 = (a + c) + (b + d), Y1 = (a - c) - i (b - d),
   Y2 = (a + c) - (b + d), Y3 = (a - c) + i (b - d). */
static inline void dft4(const V *x, long s, V *y) {
    V apcR = ADD(x[0], x[2 * s]), apcI = ADD(x[1], x[2 * s + 1]);
    V amcR = SUB(x[0], x[2 * s]), amcI = SUB(x[1], x[2 * s + 1]);
    V bpdR = ADD(x[s], x[3 * s]), bpdI = ADD(x[s + 1], x[3 * s + 1]);
    V bmdR = SUB(x[s], x[3 * s]), bmdI = SUB(x[s + 1], x[3 * s + 1]);
    y[0] = ADD(apcR, bpdR); y[1] = ADD(apcI, bpdI);
    y[2] = ADD(amcR, bmdI); y[3] = SUB(amcI, bmdR);
    y[4] = SUB(apcR, bpdR); y[5] = SUB(apcI, bpdI);
    y[6] = SUB(amcR, bmdI); y[7] = ADD(amcI, bmdR);
}

/* One radix-8 butterfly: inputs in[j di], in[j di + 1] (re, im) for j < 8, outputs to
   a[k d], a[k d + 1], times w8-twiddles w[2 (k - 1)], w[2 (k - 1) + 1] for k > 0 when twiddled.
   Every input is read before the first output is written, so a may be in. */
static inline void butterfly8(const V *in, long di, V *a, long d, const float *w, int twiddled) {
    const V r = _mm512_set1_ps(0.70710678118654752440f);
    /* e, q: the 4-point DFTs of the even and odd inputs. */
    V e[8], q[8];
    dft4(in, 2 * di, e);
    dft4(in + di, 2 * di, q);
    /* w8 q1 = ((q1r + q1i) + i (q1i - q1r))/sqrt 2, w8^2 q2 = -i q2,
       w8^3 q3 = ((q3i - q3r) - i (q3r + q3i))/sqrt 2 */
    V o1r = MUL(r, ADD(q[2], q[3])), o1i = MUL(r, SUB(q[3], q[2]));
    V o3r = MUL(r, SUB(q[7], q[6])), o3i = MUL(r, ADD(q[6], q[7]));
    _mm512_store_ps((float *)a, ADD(e[0], q[0]));
    _mm512_store_ps((float *)(a + 1), ADD(e[1], q[1]));
    put(a, d, ADD(e[2], o1r), ADD(e[3], o1i), w, twiddled);
    put(a, 2 * d, ADD(e[4], q[5]), SUB(e[5], q[4]), w + 2, twiddled);
    put(a, 3 * d, ADD(e[6], o3r), SUB(e[7], o3i), w + 4, twiddled);
    put(a, 4 * d, SUB(e[0], q[0]), SUB(e[1], q[1]), w + 6, twiddled);
    put(a, 5 * d, SUB(e[2], o1r), SUB(e[3], o1i), w + 8, twiddled);
    put(a, 6 * d, SUB(e[4], q[5]), ADD(e[5], q[4]), w + 10, twiddled);
    put(a, 7 * d, SUB(e[6], o3r), ADD(e[7], o3i), w + 12, twiddled);
}

static void radix8(V *x, long length, const float *tw, int twiddled) {
    const long m = length / 8, d = 2 * m;
    for (long p = 0; p < m; p++) butterfly8(x + 2 * p, d, x + 2 * p, d, tw + 14 * p, twiddled);
}

static void radix4(V *x, long length, const float *tw, int twiddled) {
    const long m = length / 4, d = 2 * m;
    for (long p = 0; p < m; p++) {
        V *a = x + 2 * p, y[8];
        const float *w = tw + 6 * p;
        dft4(a, d, y);
        _mm512_store_ps((float *)a, y[0]);
        _mm512_store_ps((float *)(a + 1), y[1]);
        put(a, d, y[2], y[3], w, twiddled);
        put(a, 2 * d, y[4], y[5], w + 2, twiddled);
        put(a, 3 * d, y[6], y[7], w + 4, twiddled);
    }
}

static void radix2(V *x, long length, const float *tw, int twiddled) {
    const long m = length / 2, d = 2 * m;
    for (long p = 0; p < m; p++) {
        V *a = x + 2 * p;
        V a0r = LD(0), a0i = LD(1), a1r = LD(d), a1i = LD(d + 1);
        _mm512_store_ps((float *)a, ADD(a0r, a1r));
        _mm512_store_ps((float *)(a + 1), ADD(a0i, a1i));
        put(a, d, SUB(a0r, a1r), SUB(a0i, a1i), tw + 2 * p, twiddled);
    }
}

static void radix3(V *x, long length, const float *tw, int twiddled) {
    const long m = length / 3, d = 2 * m;
    const V c = _mm512_set1_ps(-0.5f), sn = _mm512_set1_ps(0.86602540378443864676f);
    for (long p = 0; p < m; p++) {
        V *a = x + 2 * p;
        const float *w = tw + 4 * p;
        V a0r = LD(0), a0i = LD(1), a1r = LD(d), a1i = LD(d + 1), a2r = LD(2 * d), a2i = LD(2 * d + 1);
        V tr = ADD(a1r, a2r), ti = ADD(a1i, a2i);
        _mm512_store_ps((float *)a, ADD(a0r, tr));
        _mm512_store_ps((float *)(a + 1), ADD(a0i, ti));
        V ur = _mm512_fmadd_ps(c, tr, a0r), ui = _mm512_fmadd_ps(c, ti, a0i);
        V vr = MUL(sn, SUB(a1r, a2r)), vi = MUL(sn, SUB(a1i, a2i));
        /* Y1 = u - i v, Y2 = u + i v */
        put(a, d, ADD(ur, vi), SUB(ui, vr), w, twiddled);
        put(a, 2 * d, SUB(ur, vi), ADD(ui, vr), w + 2, twiddled);
    }
}

static void radix5(V *x, long length, const float *tw, int twiddled) {
    const long m = length / 5, d = 2 * m;
    const V c1 = _mm512_set1_ps(0.30901699437494742410f), c2 = _mm512_set1_ps(-0.80901699437494742410f);
    const V s1 = _mm512_set1_ps(0.95105651629515357212f), s2 = _mm512_set1_ps(0.58778525229247312917f);
    for (long p = 0; p < m; p++) {
        V *a = x + 2 * p;
        const float *w = tw + 8 * p;
        V a0r = LD(0), a0i = LD(1);
        V b1r = ADD(LD(d), LD(4 * d)), b1i = ADD(LD(d + 1), LD(4 * d + 1));
        V d1r = SUB(LD(d), LD(4 * d)), d1i = SUB(LD(d + 1), LD(4 * d + 1));
        V b2r = ADD(LD(2 * d), LD(3 * d)), b2i = ADD(LD(2 * d + 1), LD(3 * d + 1));
        V d2r = SUB(LD(2 * d), LD(3 * d)), d2i = SUB(LD(2 * d + 1), LD(3 * d + 1));
        _mm512_store_ps((float *)a, ADD(ADD(a0r, b1r), b2r));
        _mm512_store_ps((float *)(a + 1), ADD(ADD(a0i, b1i), b2i));
        /* Y1,4 = a0 + c1 b1 + c2 b2 -+ i (s1 d1 + s2 d2); Y2,3 = a0 + c2 b1 + c1 b2 -+ i (s2 d1 - s1 d2) */
        V u1r = _mm512_fmadd_ps(c2, b2r, _mm512_fmadd_ps(c1, b1r, a0r));
        V u1i = _mm512_fmadd_ps(c2, b2i, _mm512_fmadd_ps(c1, b1i, a0i));
        V u2r = _mm512_fmadd_ps(c1, b2r, _mm512_fmadd_ps(c2, b1r, a0r));
        V u2i = _mm512_fmadd_ps(c1, b2i, _mm512_fmadd_ps(c2, b1i, a0i));
        V v1r = _mm512_fmadd_ps(s2, d2r, MUL(s1, d1r)), v1i = _mm512_fmadd_ps(s2, d2i, MUL(s1, d1i));
        V v2r = _mm512_fnmadd_ps(s1, d2r, MUL(s2, d1r)), v2i = _mm512_fnmadd_ps(s1, d2i, MUL(s2, d1i));
        put(a, d, ADD(u1r, v1i), SUB(u1i, v1r), w, twiddled);
        put(a, 2 * d, ADD(u2r, v2i), SUB(u2i, v2r), w + 2, twiddled);
        put(a, 3 * d, SUB(u2r, v2i), ADD(u2i, v2r), w + 4, twiddled);
        put(a, 4 * d, SUB(u1r, v1i), ADD(u1i, v1r), w + 6, twiddled);
    }
}

/* The last stage on count consecutive blocks of radix elements (no twiddles). */
static void lastStage(V *x, long count, long radix, const float *w) {
    switch (radix) {
    case 8: for (long b = 0; b < count; b++) radix8(x + 16 * b, 8, w, 0); break;
    case 4: for (long b = 0; b < count; b++) radix4(x + 8 * b, 4, w, 0); break;
    case 2: for (long b = 0; b < count; b++) radix2(x + 4 * b, 2, w, 0); break;
    case 3: for (long b = 0; b < count; b++) radix3(x + 6 * b, 3, w, 0); break;
    default: for (long b = 0; b < count; b++) radix5(x + 10 * b, 5, w, 0); break;
    }
}

/* Stage i on the block at x, then (depth first) its sub-blocks. */
static void run(V *x, const long *stages, long count, long i, const float *tw) {
    const long radix = stages[3 * i], length = stages[3 * i + 1];
    const float *w = tw + stages[3 * i + 2];
    const int twiddled = i != count - 1;
    switch (radix) {
    case 8: if (twiddled) radix8(x, length, w, 1); else radix8(x, length, w, 0); break;
    case 4: if (twiddled) radix4(x, length, w, 1); else radix4(x, length, w, 0); break;
    case 2: if (twiddled) radix2(x, length, w, 1); else radix2(x, length, w, 0); break;
    case 3: radix3(x, length, w, twiddled); break;
    default: radix5(x, length, w, twiddled); break;
    }
    if (!twiddled) return;
    const long m = length / radix;
    if (i + 2 == count) {
        /* The sub-blocks are the last stage's blocks, each one butterfly of radix m: one loop
           over them rather than a call of run per butterfly (at h = 512, 64 calls per group,
           each for one butterfly; 5% of the whole transform at 256 x 1024, 10% at 64 x 4096). */
        lastStage(x, radix, m, tw + stages[3 * (i + 1) + 2]);
        return;
    }
    for (long k = 0; k < radix; k++) run(x + 2 * k * m, stages, count, i + 1, tw);
}

static void lk_lane_fft(float *z, const long *stages, long count, const float *twiddles) {
    if (count > 0) run((V *)z, stages, count, 0, twiddles);
}

/* ---- The real transform's butterflies and the output ------------------------------------ */

/* Bin k (0 ... h) of the real transform from the half-length spectrum: with j = (h - k) mod h,
   E = Z_k + conj Z_j, O = (Z_k - conj Z_j)/i and w = e^{-2 pi i k/n}/2, X_k = E/2 + w O. */
static inline void bin(const V *z, long k, long h, const float *w, const long *position, V *re, V *im) {
    const long i = 2 * position[k], j = 2 * position[h - k];
    V ar = z[i], ai = z[i + 1], br = z[j], bi = z[j + 1];
    V er = ADD(ar, br), ei = SUB(ai, bi), or_ = ADD(ai, bi), oi = SUB(br, ar);
    V tr, ti;
    cmulw(or_, oi, w + 2 * k, &tr, &ti);
    const V half = _mm512_set1_ps(0.5f);
    *re = _mm512_fmadd_ps(half, er, tr);
    *im = _mm512_fmadd_ps(half, ei, ti);
}

static void lk_lane_bins_store(const float *zf, long h, long m, long rows, const float *w, const long *position, float *dst) {
    const V *z = (const V *)zf;
    const long row = 2 * m;
    long k = 0;
    if (rows == 16 && m >= 8) {
        /* Rows 0 ..< 8 of a block of bins are stored at once and rows 8 ..< 16 with the next
           block, so that the sixteen lines stored together fall in two L1 sets rather than one
           when the output rows are 4 KB apart (16 lines in one 12-way set: a store stream
           about twice as slow). */
        V late[8];
        for (; k + 8 <= m; k += 8) {
            V r[16];
            for (int c = 0; c < 8; c++) bin(z, k + c, h, w, position, &r[2 * c], &r[2 * c + 1]);
            transpose16(r);
            float *out = dst + 2 * k;
            for (int l = 0; l < 8; l++) _mm512_storeu_ps(out + l * row, r[l]);
            if (k > 0)
                for (int l = 8; l < 16; l++) _mm512_storeu_ps(out - 16 + l * row, late[l - 8]);
            for (int l = 8; l < 16; l++) late[l - 8] = r[l];
        }
        for (int l = 8; l < 16; l++) _mm512_storeu_ps(dst + 2 * k - 16 + l * row, late[l - 8]);
    }
    for (; k + 8 <= m; k += 8) {
        V r[16];
        for (int c = 0; c < 8; c++) bin(z, k + c, h, w, position, &r[2 * c], &r[2 * c + 1]);
        transpose16(r);
        float *out = dst + 2 * k;
        for (int l = 0; l < rows; l++) _mm512_storeu_ps(out + l * row, r[l]);
    }
    for (; k < m; k++) {
        V re, im;
        bin(z, k, h, w, position, &re, &im);
        float fr[16], fi[16];
        _mm512_storeu_ps(fr, re);
        _mm512_storeu_ps(fi, im);
        for (long l = 0; l < rows; l++) {
            dst[l * row + 2 * k] = fr[l];
            dst[l * row + 2 * k + 1] = fi[l];
        }
    }
}

/* ---- The whole transform, over LayerKit's thread pool ----------------------------------- */

typedef struct {
    const float *in;
    float *out;
    long n, batch, m, h, count;
    const long *stages, *position;
    const float *twiddles, *w;
} Job;

/* A buffer of at least count floats for this thread's transforms, kept between calls (up to
   4 MB at h = 32768) and freed when the thread exits. */
typedef struct {
    float *data;
    long capacity;
} Scratch;

static pthread_key_t scratchKey;
static pthread_once_t scratchOnce = PTHREAD_ONCE_INIT;

static void freeScratch(void *p) {
    Scratch *s = p;
    free(s->data);
    free(s);
}

static void makeScratchKey(void) { pthread_key_create(&scratchKey, freeScratch); }

static float *scratch(long count) {
    pthread_once(&scratchOnce, makeScratchKey);
    Scratch *s = pthread_getspecific(scratchKey);
    if (!s) {
        s = calloc(1, sizeof(Scratch));
        if (!s || pthread_setspecific(scratchKey, s) != 0) abort();
    }
    if (count > s->capacity) {
        free(s->data);
        s->data = aligned_alloc(64, (size_t)count * sizeof(float));
        if (!s->data) abort();
        s->capacity = count;
    }
    return s->data;
}

static void transformGroup(void *context, long g) {
    const Job *job = context;
    float *z = scratch(2 * job->h * 16);
    const long row = g * 16, rows = job->batch - row < 16 ? job->batch - row : 16;
    lk_lane_load(job->in + row * job->n, job->n, rows, job->h, z);
    lk_lane_fft(z, job->stages, job->count, job->twiddles);
    lk_lane_bins_store(z, job->h, job->m, rows, job->w, job->position, job->out + row * job->m * 2);
}

#pragma clang attribute pop

void lk_lane_rfft(int level, const float *in, long n, long batch, long m, float *out, const long *stages, long count,
                  const float *twiddles, const float *w, const long *position, long threads) {
    if (level < 2) abort();
    Job job = {in, out, n, batch, m, n / 2, count, stages, position, twiddles, w};
    /* Groups from the front on the caller, from the back on the workers: each thread keeps to
       about the same rows from call to call (its own L2). Each group is transformed by one
       thread whichever it is, so the result has the same bits at any thread count. */
    lk_parallel((batch + 15) / 16, threads, transformGroup, &job);
}

#else

void lk_lane_rfft(int level, const float *in, long n, long batch, long m, float *out, const long *stages, long count,
                  const float *twiddles, const float *w, const long *position, long threads) {
    (void)level; (void)in; (void)n; (void)batch; (void)m; (void)out; (void)stages; (void)count; (void)twiddles;
    (void)w; (void)position; (void)threads;
    abort();
}

#endif
