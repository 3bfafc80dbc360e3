/* Vectorised exp-family functions, the fused LSTM and GRU cells and the depthwise row kernel for the
 * op kernels.
 * One generic body per function, written with clang vector extensions and instantiated
 * for AVX2+FMA (8 lanes) and AVX-512F (16 lanes) through target attributes, so the package
 * needs no compiler flags and runs on any x86-64; dlk_ops_best_isa() picks at run time.
 * On aarch64 (clang) the same bodies build for NEON (4 lanes); other compilers and CPUs
 * get the portable libm loops. */
#include "dlk_ops.h"

#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__clang__)
#define DLK_X86 1
#elif defined(__aarch64__) && defined(__clang__)
#define DLK_NEON 1   /* Advanced SIMD is part of the aarch64 baseline: no detection needed */
#endif

int dlk_ops_best_isa(void) {
#ifdef DLK_NEON
    return DLK_OPS_NEON;
#elif defined(DLK_X86)
    static int level = -1;
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l < 0) {
        __builtin_cpu_init();
        l = DLK_OPS_PORTABLE;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) l = DLK_OPS_AVX2;
        if (l == DLK_OPS_AVX2 && __builtin_cpu_supports("avx512f")) l = DLK_OPS_AVX512;
        __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    }
    return l;
#else
    return DLK_OPS_PORTABLE;
#endif
}

/* ---- scalar reference (portable level and vector tails) ---- */

static inline float scalar_op(dlk_vm_op op, float v) {
    switch (op) {
    case DLK_VM_EXP: return expf(v);
    case DLK_VM_SIGMOID: return v >= 0 ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v));
    case DLK_VM_TANH: return tanhf(v);
    case DLK_VM_GELU_ERF: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case DLK_VM_GELU_TANH:
        return 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
    }
    return v;
}

static void vmath_portable(dlk_vm_op op, const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = scalar_op(op, x[i]);
}

static float vexp_sum_portable(const float *x, float *y, size_t n, float shift) {
    float s = 0;
    for (size_t i = 0; i < n; i++) { y[i] = expf(x[i] - shift); s += y[i]; }
    return s;
}

/* The LSTM cell on hidden units [j0, hs) of one batch entry (see dlk_lstm_cell). */
static void lstm_cell_span_portable(size_t hs, size_t j0, float *g, const float *add, float *c, float *h) {
    for (size_t j = j0; j < hs; j++) {
        float pi = g[j], po = g[hs + j], pf = g[2 * hs + j], pc = g[3 * hs + j];
        if (add) { pi += add[j]; po += add[hs + j]; pf += add[2 * hs + j]; pc += add[3 * hs + j]; }
        float i = scalar_op(DLK_VM_SIGMOID, pi), o = scalar_op(DLK_VM_SIGMOID, po);
        float f = scalar_op(DLK_VM_SIGMOID, pf), ct = tanhf(pc);
        float cn = f * c[j] + i * ct;
        g[j] = i; g[hs + j] = o; g[2 * hs + j] = f; g[3 * hs + j] = ct;
        c[j] = cn;
        h[j] = o * tanhf(cn);
    }
}

static void lstm_cell_portable(size_t rows, size_t hs, float *g, size_t ldg, const float *add, size_t ldadd,
                               float *c, size_t ldc, float *h, size_t ldh) {
    for (size_t b = 0; b < rows; b++)
        lstm_cell_span_portable(hs, 0, g + b * ldg, add ? add + b * ldadd : NULL, c + b * ldc, h + b * ldh);
}

/* GRU, linear_before_reset = 0, on hidden units [j0, hs) of one batch entry: z, r ← σ in place
 * and rh = r⊙H (the candidate's product needs it before it can run). */
static void gru_reset_span_portable(size_t hs, size_t j0, float *g, const float *h, float *rh) {
    for (size_t j = j0; j < hs; j++) {
        float z = scalar_op(DLK_VM_SIGMOID, g[j]), r = scalar_op(DLK_VM_SIGMOID, g[hs + j]);
        g[j] = z; g[hs + j] = r;
        rh[j] = r * h[j];
    }
}

static void gru_reset_portable(size_t rows, size_t hs, float *g, size_t ldg, const float *h, size_t ldh,
                               float *rh, size_t ldrh) {
    for (size_t b = 0; b < rows; b++) gru_reset_span_portable(hs, 0, g + b * ldg, h + b * ldh, rh + b * ldrh);
}

/* The GRU cell on hidden units [j0, hs) of one batch entry (see dlk_gru_cell). */
static void gru_cell_span_portable(size_t hs, size_t j0, float *g, float *rec, const float *rbh, int lbr, float *h) {
    for (size_t j = j0; j < hs; j++) {
        float z = g[j], r = g[hs + j];
        if (lbr) { z = scalar_op(DLK_VM_SIGMOID, z); r = scalar_op(DLK_VM_SIGMOID, r); g[j] = z; g[hs + j] = r; }
        float hr = rec[j] + (rbh ? rbh[j] : 0.0f);
        float ht = tanhf(g[2 * hs + j] + (lbr ? r * hr : hr));
        rec[j] = hr; g[2 * hs + j] = ht;
        h[j] = ht + z * (h[j] - ht);
    }
}

static void gru_cell_portable(size_t rows, size_t hs, float *g, size_t ldg, float *rec, size_t ldrec,
                              const float *rbh, int lbr, float *h, size_t ldh) {
    for (size_t b = 0; b < rows; b++) gru_cell_span_portable(hs, 0, g + b * ldg, rec + b * ldrec, rbh, lbr, h + b * ldh);
}

static void dw_interior_portable(const float *const *rows, const float *const *w, int nrows, int kw,
                                 int dilation, float bias, float *out, int x0, int x1) {
    for (int ox = x0; ox < x1; ox++) {
        float acc = bias;
        for (int r = 0; r < nrows; r++)
            for (int kx = 0; kx < kw; kx++) acc += w[r][kx] * rows[r][ox + kx * dilation];
        out[ox] = acc;
    }
}

static void requantize_portable(const int32_t *acc, int32_t offset, float multiplier, int32_t zp,
                                int32_t qmin, int32_t qmax, int8_t *out, size_t n) {
    const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
    for (size_t i = 0; i < n; i++) {
        float y = (float)(int32_t)((uint32_t)acc[i] + (uint32_t)offset) * multiplier;
        y = y < lo ? lo : (y > hi ? hi : y);
        out[i] = (int8_t)((int32_t)rintf(y) + zp);   /* rint: round half to even in the default mode */
    }
}

#if defined(DLK_X86) || defined(DLK_NEON)
/* ---- generic vector bodies: VF is a float vector, VI the int vector of the same width ---- */

#define VSPLAT(VF, c) ((VF){} + (float)(c))
#define VMIN(a, b) __builtin_elementwise_min(a, b)
#define VMAX(a, b) __builtin_elementwise_max(a, b)
#define VFMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define VSELECT(VF, VI, m, a, b) ((VF)(((VI)(m) & (VI)(a)) | (~(VI)(m) & (VI)(b))))

/* Cephes-style expf: x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n through the exponent bits. */
#define VEXP(VF, VI, xin) ({                                                          \
    VF x_ = VMIN(VMAX(xin, VSPLAT(VF, -87.33654475f)), VSPLAT(VF, 88.37626266f));      \
    VF t_ = VFMA(x_, VSPLAT(VF, 1.44269504088896341f), VSPLAT(VF, 12582912.0f));       \
    VF fn_ = t_ - 12582912.0f;                                                        \
    VI n_ = (VI)t_ - (VI)VSPLAT(VF, 12582912.0f);                                     \
    VF r_ = VFMA(fn_, VSPLAT(VF, -0.693359375f), x_);                                 \
    r_ = VFMA(fn_, VSPLAT(VF, 2.12194440e-4f), r_);                                   \
    VF p_ = VSPLAT(VF, 1.9875691500e-4f);                                              \
    p_ = VFMA(p_, r_, VSPLAT(VF, 1.3981999507e-3f));                                   \
    p_ = VFMA(p_, r_, VSPLAT(VF, 8.3334519073e-3f));                                   \
    p_ = VFMA(p_, r_, VSPLAT(VF, 4.1665795894e-2f));                                   \
    p_ = VFMA(p_, r_, VSPLAT(VF, 1.6666665459e-1f));                                   \
    p_ = VFMA(p_, r_, VSPLAT(VF, 5.0000001201e-1f));                                   \
    VF e_ = VFMA(p_, r_ * r_, r_ + 1.0f);                                              \
    e_ * (VF)((n_ + 127) << 23);                                                      \
})

/* tanh: 1 − 2/(e^{2|x|} + 1) with the sign restored; an odd polynomial near 0 avoids cancellation. */
#define VTANH(VF, VI, xin) ({                                                         \
    VF a_ = VMAX(xin, -(xin));                                                        \
    VF big_ = 1.0f - 2.0f / (VEXP(VF, VI, a_ + a_) + 1.0f);                           \
    VF s_ = a_ * a_;                                                                  \
    VF small_ = a_ + a_ * s_ * VFMA(s_, VFMA(s_, VSPLAT(VF, -0.05396825397f), VSPLAT(VF, 0.1333333333f)), VSPLAT(VF, -0.3333333333f)); \
    VF m_ = VSELECT(VF, VI, a_ < 0.0625f, small_, big_);                              \
    VF sign_ = (VF)((VI)(xin) & ((VI){} + (int32_t)0x80000000u)); /* splat(-0.0f) would be +0 */                               \
    (VF)((VI)m_ | (VI)sign_);                                                         \
})

/* erf: Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), odd. */
#define VERF(VF, VI, xin) ({                                                          \
    VF a_ = VMAX(xin, -(xin));                                                        \
    VF t_ = 1.0f / VFMA(a_, VSPLAT(VF, 0.3275911f), VSPLAT(VF, 1.0f));                \
    VF p_ = VSPLAT(VF, 1.061405429f);                                                  \
    p_ = VFMA(p_, t_, VSPLAT(VF, -1.453152027f));                                      \
    p_ = VFMA(p_, t_, VSPLAT(VF, 1.421413741f));                                       \
    p_ = VFMA(p_, t_, VSPLAT(VF, -0.284496736f));                                      \
    p_ = VFMA(p_, t_, VSPLAT(VF, 0.254829592f));                                       \
    VF e_ = 1.0f - p_ * t_ * VEXP(VF, VI, -(a_ * a_));                                \
    VF sign_ = (VF)((VI)(xin) & ((VI){} + (int32_t)0x80000000u)); /* splat(-0.0f) would be +0 */                               \
    (VF)((VI)e_ | (VI)sign_);                                                         \
})

#define VOP(VF, VI, op, v) ({                                                         \
    VF r_;                                                                            \
    switch (op) {                                                                     \
    case DLK_VM_EXP: r_ = VEXP(VF, VI, v); break;                                     \
    case DLK_VM_SIGMOID: r_ = 1.0f / (1.0f + VEXP(VF, VI, -(v))); break;              \
    case DLK_VM_TANH: r_ = VTANH(VF, VI, v); break;                                   \
    case DLK_VM_GELU_ERF: r_ = 0.5f * (v) * (1.0f + VERF(VF, VI, (v) * 0.70710678118654752f)); break; \
    default: r_ = 0.5f * (v) * (1.0f + VTANH(VF, VI, 0.79788456080286536f * ((v) + 0.044715f * (v) * (v) * (v)))); break; \
    }                                                                                 \
    r_;                                                                               \
})

#define DEFINE_LEVEL(NAME, ATTR, LANES)                                             \
typedef float NAME##_vf __attribute__((vector_size(LANES * 4), aligned(4)));          \
typedef int32_t NAME##_vi __attribute__((vector_size(LANES * 4), aligned(4)));        \
typedef uint32_t NAME##_vu __attribute__((vector_size(LANES * 4), aligned(4)));       \
typedef int8_t NAME##_vb __attribute__((vector_size(LANES), aligned(1)));             \
ATTR                                                                                  \
static void requantize_##NAME(const int32_t *acc, int32_t offset, float multiplier, int32_t zp, \
                              int32_t qmin, int32_t qmax, int8_t *out, size_t n) {    \
    const NAME##_vf lo = VSPLAT(NAME##_vf, (float)(qmin - zp)), hi = VSPLAT(NAME##_vf, (float)(qmax - zp)); \
    size_t i = 0;                                                                     \
    for (; i + LANES <= n; i += LANES) {                                              \
        NAME##_vi a = (NAME##_vi)(*(const NAME##_vu *)(acc + i) + (uint32_t)offset);  \
        NAME##_vf y = __builtin_convertvector(a, NAME##_vf) * multiplier;             \
        y = __builtin_elementwise_roundeven(VMIN(VMAX(y, lo), hi));                   \
        NAME##_vi q = __builtin_convertvector(y, NAME##_vi) + zp;                     \
        *(NAME##_vb *)(out + i) = __builtin_convertvector(q, NAME##_vb);              \
    }                                                                                 \
    requantize_portable(acc + i, offset, multiplier, zp, qmin, qmax, out + i, n - i); \
}                                                                                     \
ATTR                                                                                  \
static void vmath_##NAME(dlk_vm_op op, const float *x, float *y, size_t n) {          \
    size_t i = 0;                                                                     \
    for (; i + LANES <= n; i += LANES) {                                              \
        NAME##_vf v = *(const NAME##_vf *)(x + i);                                    \
        *(NAME##_vf *)(y + i) = VOP(NAME##_vf, NAME##_vi, op, v);                     \
    }                                                                                 \
    vmath_portable(op, x + i, y + i, n - i);                                          \
}                                                                                     \
ATTR                                                                                  \
static void lstm_cell_##NAME(size_t rows, size_t hs, float *g, size_t ldg, const float *add, size_t ldadd, \
                             float *c, size_t ldc, float *h, size_t ldh) {            \
    typedef NAME##_vf VF;                                                             \
    for (size_t b = 0; b < rows; b++) {                                               \
        float *gb = g + b * ldg, *cb = c + b * ldc, *hb = h + b * ldh;                \
        const float *ab = add ? add + b * ldadd : NULL;                               \
        size_t j = 0;                                                                 \
        for (; j + LANES <= hs; j += LANES) {                                         \
            VF pi = *(VF *)(gb + j), po = *(VF *)(gb + hs + j);                       \
            VF pf = *(VF *)(gb + 2 * hs + j), pc = *(VF *)(gb + 3 * hs + j);          \
            if (ab) {                                                                 \
                pi += *(const VF *)(ab + j); po += *(const VF *)(ab + hs + j);        \
                pf += *(const VF *)(ab + 2 * hs + j); pc += *(const VF *)(ab + 3 * hs + j); \
            }                                                                         \
            VF i = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -pi));                          \
            VF o = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -po));                          \
            VF f = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -pf));                          \
            VF ct = 2.0f / (1.0f + VEXP(VF, NAME##_vi, -2.0f * pc)) - 1.0f;            \
            VF cn = VFMA(f, *(VF *)(cb + j), i * ct);                                 \
            *(VF *)(gb + j) = i; *(VF *)(gb + hs + j) = o;                            \
            *(VF *)(gb + 2 * hs + j) = f; *(VF *)(gb + 3 * hs + j) = ct;              \
            *(VF *)(cb + j) = cn;                                                     \
            *(VF *)(hb + j) = o * (2.0f / (1.0f + VEXP(VF, NAME##_vi, -2.0f * cn)) - 1.0f); \
        }                                                                             \
        lstm_cell_span_portable(hs, j, gb, ab, cb, hb);                               \
    }                                                                                 \
}                                                                                     \
ATTR                                                                                  \
static void gru_reset_##NAME(size_t rows, size_t hs, float *g, size_t ldg, const float *h, size_t ldh, \
                             float *rh, size_t ldrh) {                                \
    typedef NAME##_vf VF;                                                             \
    for (size_t b = 0; b < rows; b++) {                                               \
        float *gb = g + b * ldg, *rb = rh + b * ldrh;                                 \
        const float *hb = h + b * ldh;                                                \
        size_t j = 0;                                                                 \
        for (; j + LANES <= hs; j += LANES) {                                         \
            VF z = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -*(VF *)(gb + j)));             \
            VF r = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -*(VF *)(gb + hs + j)));        \
            *(VF *)(gb + j) = z; *(VF *)(gb + hs + j) = r;                            \
            *(VF *)(rb + j) = r * *(const VF *)(hb + j);                              \
        }                                                                             \
        gru_reset_span_portable(hs, j, gb, hb, rb);                                   \
    }                                                                                 \
}                                                                                     \
ATTR                                                                                  \
static void gru_cell_##NAME(size_t rows, size_t hs, float *g, size_t ldg, float *rec, size_t ldrec, \
                            const float *rbh, int lbr, float *h, size_t ldh) {        \
    typedef NAME##_vf VF;                                                             \
    for (size_t b = 0; b < rows; b++) {                                               \
        float *gb = g + b * ldg, *rb = rec + b * ldrec, *hb = h + b * ldh;            \
        size_t j = 0;                                                                 \
        for (; j + LANES <= hs; j += LANES) {                                         \
            VF z = *(VF *)(gb + j), r = *(VF *)(gb + hs + j), hr = *(VF *)(rb + j);   \
            if (lbr) {                                                                \
                z = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -z));                          \
                r = 1.0f / (1.0f + VEXP(VF, NAME##_vi, -r));                          \
                *(VF *)(gb + j) = z; *(VF *)(gb + hs + j) = r;                        \
            }                                                                         \
            if (rbh) hr += *(const VF *)(rbh + j);                                    \
            VF pc = *(VF *)(gb + 2 * hs + j) + (lbr ? r * hr : hr);                   \
            VF ht = 2.0f / (1.0f + VEXP(VF, NAME##_vi, -2.0f * pc)) - 1.0f;           \
            *(VF *)(rb + j) = hr; *(VF *)(gb + 2 * hs + j) = ht;                      \
            *(VF *)(hb + j) = VFMA(z, *(VF *)(hb + j) - ht, ht);                      \
        }                                                                             \
        gru_cell_span_portable(hs, j, gb, rb, rbh, lbr, hb);                          \
    }                                                                                 \
}                                                                                     \
ATTR                                                                                  \
static float vexp_sum_##NAME(const float *x, float *y, size_t n, float shift) {       \
    NAME##_vf acc = {};                                                               \
    size_t i = 0;                                                                     \
    for (; i + LANES <= n; i += LANES) {                                              \
        NAME##_vf e = VEXP(NAME##_vf, NAME##_vi, *(const NAME##_vf *)(x + i) - shift); \
        *(NAME##_vf *)(y + i) = e;                                                    \
        acc += e;                                                                     \
    }                                                                                 \
    float s = 0;                                                                      \
    for (int l = 0; l < LANES; l++) s += acc[l];                                      \
    return s + vexp_sum_portable(x + i, y + i, n - i, shift);                         \
}                                                                                     \
ATTR                                                                                  \
static void dw_interior_##NAME(const float *const *rows, const float *const *w, int nrows, int kw, \
                               int dilation, float bias, float *out, int x0, int x1) { \
    int ox = x0;                                                                      \
    for (; ox + LANES <= x1; ox += LANES) {                                           \
        NAME##_vf acc = VSPLAT(NAME##_vf, bias);                                      \
        for (int r = 0; r < nrows; r++) {                                             \
            const float *row = rows[r] + ox;                                          \
            for (int kx = 0; kx < kw; kx++)                                           \
                acc = VFMA(VSPLAT(NAME##_vf, w[r][kx]), *(const NAME##_vf *)(row + kx * dilation), acc); \
        }                                                                             \
        *(NAME##_vf *)(out + ox) = acc;                                               \
        /* a ragged end reruns the last full vector (same values): no scalar tail */   \
        if (ox + LANES < x1 && ox + 2 * LANES > x1) ox = x1 - 2 * LANES;               \
    }                                                                                 \
    dw_interior_portable(rows, w, nrows, kw, dilation, bias, out, ox, x1);            \
}

#ifdef DLK_X86
DEFINE_LEVEL(avx2, __attribute__((target("avx2,fma"))), 8)
DEFINE_LEVEL(avx512, __attribute__((target("avx512f,avx2,fma"))), 16)
#else
DEFINE_LEVEL(neon, , 4)
#endif
#endif

static int clamp_isa(int isa) {
    int best = dlk_ops_best_isa();
    return isa < best ? (isa < 0 ? 0 : isa) : best;
}

void dlk_vmath(int isa, dlk_vm_op op, const float *x, float *y, size_t n) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: vmath_avx512(op, x, y, n); return;
    case DLK_OPS_AVX2: vmath_avx2(op, x, y, n); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: vmath_neon(op, x, y, n); return;
#endif
    default: vmath_portable(op, x, y, n); return;
    }
}

float dlk_vexp_sum(int isa, const float *x, float *y, size_t n, float shift) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: return vexp_sum_avx512(x, y, n, shift);
    case DLK_OPS_AVX2: return vexp_sum_avx2(x, y, n, shift);
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: return vexp_sum_neon(x, y, n, shift);
#endif
    default: return vexp_sum_portable(x, y, n, shift);
    }
}

void dlk_lstm_cell(int isa, size_t rows, size_t hs, float *g, size_t ldg, const float *add, size_t ldadd,
                   float *c, size_t ldc, float *h, size_t ldh) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: lstm_cell_avx512(rows, hs, g, ldg, add, ldadd, c, ldc, h, ldh); return;
    case DLK_OPS_AVX2: lstm_cell_avx2(rows, hs, g, ldg, add, ldadd, c, ldc, h, ldh); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: lstm_cell_neon(rows, hs, g, ldg, add, ldadd, c, ldc, h, ldh); return;
#endif
    default: lstm_cell_portable(rows, hs, g, ldg, add, ldadd, c, ldc, h, ldh); return;
    }
}

void dlk_gru_reset(int isa, size_t rows, size_t hs, float *g, size_t ldg, const float *h, size_t ldh,
                   float *rh, size_t ldrh) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: gru_reset_avx512(rows, hs, g, ldg, h, ldh, rh, ldrh); return;
    case DLK_OPS_AVX2: gru_reset_avx2(rows, hs, g, ldg, h, ldh, rh, ldrh); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: gru_reset_neon(rows, hs, g, ldg, h, ldh, rh, ldrh); return;
#endif
    default: gru_reset_portable(rows, hs, g, ldg, h, ldh, rh, ldrh); return;
    }
}

void dlk_gru_cell(int isa, size_t rows, size_t hs, float *g, size_t ldg, float *rec, size_t ldrec,
                  const float *rbh, int linear_before_reset, float *h, size_t ldh) {
    int lbr = linear_before_reset != 0;
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: gru_cell_avx512(rows, hs, g, ldg, rec, ldrec, rbh, lbr, h, ldh); return;
    case DLK_OPS_AVX2: gru_cell_avx2(rows, hs, g, ldg, rec, ldrec, rbh, lbr, h, ldh); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: gru_cell_neon(rows, hs, g, ldg, rec, ldrec, rbh, lbr, h, ldh); return;
#endif
    default: gru_cell_portable(rows, hs, g, ldg, rec, ldrec, rbh, lbr, h, ldh); return;
    }
}

void dlk_dw_interior(int isa, const float *const *rows, const float *const *w, int nrows, int kw,
                     int dilation, float bias, float *out, int x0, int x1) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: dw_interior_avx512(rows, w, nrows, kw, dilation, bias, out, x0, x1); return;
    case DLK_OPS_AVX2: dw_interior_avx2(rows, w, nrows, kw, dilation, bias, out, x0, x1); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: dw_interior_neon(rows, w, nrows, kw, dilation, bias, out, x0, x1); return;
#endif
    default: dw_interior_portable(rows, w, nrows, kw, dilation, bias, out, x0, x1); return;
    }
}

void dlk_requantize_row(int isa, const int32_t *acc, int32_t offset, float multiplier, int32_t zero_point,
                        int32_t qmin, int32_t qmax, int8_t *out, size_t n) {
    switch (clamp_isa(isa)) {
#ifdef DLK_X86
    case DLK_OPS_AVX512: requantize_avx512(acc, offset, multiplier, zero_point, qmin, qmax, out, n); return;
    case DLK_OPS_AVX2: requantize_avx2(acc, offset, multiplier, zero_point, qmin, qmax, out, n); return;
#elif defined(DLK_NEON)
    case DLK_OPS_NEON: requantize_neon(acc, offset, multiplier, zero_point, qmin, qmax, out, n); return;
#endif
    default: requantize_portable(acc, offset, multiplier, zero_point, qmin, qmax, out, n); return;
    }
}
