/* The max-pooling row kernel of the common 2-wide, stride-2 window (MaxPool2D's row-wise pass
 * reads every other column there, which Swift does not vectorise). Plain loops instantiated per
 * level through target attributes, as in ops_vmath.c; `v > m ? v : m` is exactly maxps, so
 * every level gives the same bits as the scalar rule (NaN never wins, ties keep the first). */
#include "dlk_ops.h"

#include <math.h>
#include <stdint.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__clang__)
#define DLK_POOL_X86 1
#include <immintrin.h>
#endif

#define DEFINE_MAX2S2(name, attr)                                                          \
    attr static void name(const float *row, float *out, size_t n) {                        \
        for (size_t i = 0; i < n; i++) {                                                   \
            float m = out[i], a = row[2 * i], b = row[2 * i + 1];                          \
            m = a > m ? a : m;                                                             \
            out[i] = b > m ? b : m;                                                        \
        }                                                                                  \
    }

/* Whole planes of full 2×2 windows: taps (0,0), (0,1), (1,0), (1,1) in that order. */
#define DEFINE_PLANE2X2(name, attr, T, LOWEST)                                                        \
    attr static void name(const T *x, size_t in_w, T *y, size_t oh, size_t ow) {           \
        for (size_t oy = 0; oy < oh; oy++) {                                               \
            const T *r0 = x + 2 * oy * in_w, *r1 = r0 + in_w;                              \
            T *out = y + oy * ow;                                                          \
            for (size_t i = 0; i < ow; i++) {                                              \
                T m = LOWEST, a = r0[2 * i], b = r0[2 * i + 1];                            \
                T c = r1[2 * i], d = r1[2 * i + 1];                                        \
                m = a > m ? a : m;   /* from -inf, as the reference: a NaN tap never wins */ \
                m = b > m ? b : m;                                                         \
                m = c > m ? c : m;                                                         \
                out[i] = d > m ? d : m;                                                    \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_MAX2S2(max2s2_portable, )
DEFINE_PLANE2X2(plane2x2_portable, , float, -INFINITY)
DEFINE_PLANE2X2(plane2x2_s8_portable, , int8_t, INT8_MIN)
#ifdef DLK_POOL_X86
DEFINE_MAX2S2(max2s2_avx2, __attribute__((target("avx2,fma"))))
DEFINE_MAX2S2(max2s2_avx512, __attribute__((target("avx512f,avx2,fma"))))
DEFINE_PLANE2X2(plane2x2_avx2, __attribute__((target("avx2,fma"))), float, -INFINITY)
DEFINE_PLANE2X2(plane2x2_s8_avx2, __attribute__((target("avx2,fma"))), int8_t, INT8_MIN)
/* AVX-512 fp32: 16 outputs per step from two 32-float row pieces (masked at the row end),
 * even and odd columns separated with vpermt2ps, taps combined in the scalar order with maxps
 * (maxps(t, m) returns m when t is NaN or equal: exactly `t > m ? t : m`). */
__attribute__((target("avx512f,avx2,fma")))
static void plane2x2_avx512(const float *x, size_t in_w, float *y, size_t oh, size_t ow) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 lowest = _mm512_set1_ps(-INFINITY);
    for (size_t oy = 0; oy < oh; oy++) {
        const float *r0 = x + 2 * oy * in_w, *r1 = r0 + in_w;
        float *out = y + oy * ow;
        for (size_t i = 0; i < ow; i += 16) {
            size_t n = ow - i < 16 ? ow - i : 16;
            __mmask16 lo = n >= 8 ? (__mmask16)0xffff : (__mmask16)((1u << (2 * n)) - 1);
            __mmask16 hi = n <= 8 ? 0 : n == 16 ? (__mmask16)0xffff : (__mmask16)((1u << (2 * n - 16)) - 1);
            __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * i), a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * i + 16);
            __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * i), b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * i + 16);
            __m512 m = _mm512_max_ps(_mm512_permutex2var_ps(a0, even, a1), lowest);
            m = _mm512_max_ps(_mm512_permutex2var_ps(a0, odd, a1), m);
            m = _mm512_max_ps(_mm512_permutex2var_ps(b0, even, b1), m);
            m = _mm512_max_ps(_mm512_permutex2var_ps(b0, odd, b1), m);
            _mm512_mask_storeu_ps(out + i, n == 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1), m);
        }
    }
}
/* AVX-512 int8: 32 outputs per step. The rows' max first (integer max has no order to keep),
 * then each pair of adjacent bytes as one 16-bit lane: its low byte sign-extended by a shift
 * pair, its high byte by an arithmetic shift, their max narrowed back to bytes. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
static void plane2x2_s8_avx512(const int8_t *x, size_t in_w, int8_t *y, size_t oh, size_t ow) {
    for (size_t oy = 0; oy < oh; oy++) {
        const int8_t *r0 = x + 2 * oy * in_w, *r1 = r0 + in_w;
        int8_t *out = y + oy * ow;
        for (size_t i = 0; i < ow; i += 32) {
            size_t n = ow - i < 32 ? ow - i : 32;
            __mmask64 in = n == 32 ? ~(__mmask64)0 : (((__mmask64)1 << (2 * n)) - 1);
            __m512i v = _mm512_max_epi8(_mm512_maskz_loadu_epi8(in, r0 + 2 * i), _mm512_maskz_loadu_epi8(in, r1 + 2 * i));
            __m512i even = _mm512_srai_epi16(_mm512_slli_epi16(v, 8), 8), odd = _mm512_srai_epi16(v, 8);
            __m256i m = _mm512_cvtepi16_epi8(_mm512_max_epi16(even, odd));
            _mm256_mask_storeu_epi8(out + i, n == 32 ? ~(__mmask32)0 : (((__mmask32)1 << n) - 1), m);
        }
    }
}
#endif

void dlk_maxpool_row_k2s2(int isa, const float *row, float *out, size_t n) {
    int best = dlk_ops_best_isa();
    isa = isa < best ? (isa < 0 ? 0 : isa) : best;
    switch (isa) {
#ifdef DLK_POOL_X86
    case DLK_OPS_AVX512: max2s2_avx512(row, out, n); return;
    case DLK_OPS_AVX2: max2s2_avx2(row, out, n); return;
#endif
    default: max2s2_portable(row, out, n); return;
    }
}

void dlk_maxpool_plane_2x2(int isa, const float *x, size_t in_w, float *y, size_t oh, size_t ow) {
    int best = dlk_ops_best_isa();
    isa = isa < best ? (isa < 0 ? 0 : isa) : best;
    switch (isa) {
#ifdef DLK_POOL_X86
    case DLK_OPS_AVX512: plane2x2_avx512(x, in_w, y, oh, ow); return;
    case DLK_OPS_AVX2: plane2x2_avx2(x, in_w, y, oh, ow); return;
#endif
    default: plane2x2_portable(x, in_w, y, oh, ow); return;
    }
}

void dlk_maxpool_plane_2x2_s8(int isa, const int8_t *x, size_t in_w, int8_t *y, size_t oh, size_t ow) {
    int best = dlk_ops_best_isa();
    isa = isa < best ? (isa < 0 ? 0 : isa) : best;
    switch (isa) {
#ifdef DLK_POOL_X86
    case DLK_OPS_AVX512: plane2x2_s8_avx512(x, in_w, y, oh, ow); return;
    case DLK_OPS_AVX2: plane2x2_s8_avx2(x, in_w, y, oh, ow); return;
#endif
    default: plane2x2_s8_portable(x, in_w, y, oh, ow); return;
    }
}
