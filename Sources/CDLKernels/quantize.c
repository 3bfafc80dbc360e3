/* Quantize and dequantize over buffers, bit-exact with Quantize.quantize / .dequantize in
 * Swift: IEEE division and multiplication, clamping before rounding, rounding half to even
 * (the FPU's default mode, used by cvtps2dq), NaN mapped to the zero point.
 * int8 and uint8 share one body: after clamping to [qmin, qmax] the value's low byte is the
 * int8 or uint8 result alike; only the AVX2 pack (signed or unsigned saturation) and the
 * widening on dequantize (sign or zero extension) differ. */
#include "internal.h"
#include <math.h>
#ifdef DLK_X86
#include <immintrin.h>
#endif
#ifdef DLK_ARM64
#include <arm_neon.h>
#endif

static inline uint8_t quantize_one(float x, float scale, int32_t zp, float lo, float hi) {
    float y = x / scale;
    if (y != y) return (uint8_t)zp;
    y = y < lo ? lo : (y > hi ? hi : y);
    const float magic = 12582912.0f;   /* 1.5·2^23: exact half-even rounding for |y| < 2^22 */
    return (uint8_t)((int32_t)((y + magic) - magic) + zp);
}

static void quantize_portable(size_t n, const float *x, float scale, int32_t zp, float lo,
                              float hi, uint8_t *y) {
    for (size_t i = 0; i < n; i++) y[i] = quantize_one(x[i], scale, zp, lo, hi);
}

#ifdef DLK_X86
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void quantize_avx512(size_t n, const float *x, float scale, int32_t zp, float lo,
                            float hi, uint8_t *y) {
    __m512 vs = _mm512_set1_ps(scale), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    __m512i vzp = _mm512_set1_epi32(zp);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 mk = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(mk, x + i), vs);
        __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        v = _mm512_min_ps(_mm512_max_ps(v, vlo), vhi);
        v = _mm512_mask_mov_ps(v, nan, _mm512_setzero_ps());
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), vzp);
        _mm512_mask_cvtepi32_storeu_epi8(y + i, mk, q);   /* in range: the low byte */
    }
}

__attribute__((target("avx2,fma")))
static void quantize_avx2(size_t n, const float *x, float scale, int32_t zp, float lo,
                          float hi, int is_unsigned, uint8_t *y) {
    __m256 vs = _mm256_set1_ps(scale), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    __m256i vzp = _mm256_set1_epi32(zp);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), vs);
        __m256 ordered = _mm256_cmp_ps(v, v, _CMP_ORD_Q);
        v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi);
        v = _mm256_and_ps(v, ordered);   /* NaN → 0 → the zero point */
        __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzp);
        __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i q8 = is_unsigned ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
        _mm_storel_epi64((__m128i *)(void *)(y + i), q8);
    }
    quantize_portable(n - i, x + i, scale, zp, lo, hi, y + i);
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void dequantize_avx512(size_t n, const uint8_t *x, int is_unsigned, float scale,
                              int32_t zp, float *y) {
    __m512 vs = _mm512_set1_ps(scale);
    __m512i vzp = _mm512_set1_epi32(zp);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 mk = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m128i bytes = _mm_maskz_loadu_epi8(mk, x + i);
        __m512i q = is_unsigned ? _mm512_cvtepu8_epi32(bytes) : _mm512_cvtepi8_epi32(bytes);
        __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, vzp)), vs);
        _mm512_mask_storeu_ps(y + i, mk, v);
    }
}
#endif

static void dequantize_portable(size_t n, const uint8_t *x, int is_unsigned, float scale,
                                int32_t zp, float *y) {
    if (is_unsigned) {
        for (size_t i = 0; i < n; i++) y[i] = (float)((int32_t)x[i] - zp) * scale;
    } else {
        const int8_t *s = (const int8_t *)x;
        for (size_t i = 0; i < n; i++) y[i] = (float)((int32_t)s[i] - zp) * scale;
    }
}

static void quantize_bytes(size_t n, const float *x, float scale, int32_t zero_point, int32_t qmin,
                           int32_t qmax, int is_unsigned, uint8_t *y) {
    float lo = (float)(qmin - zero_point), hi = (float)(qmax - zero_point);
    switch (dlk_isa_active()) {
#ifdef DLK_X86
    case DLK_ISA_AVX512:
    case DLK_ISA_AVX512_VNNI: quantize_avx512(n, x, scale, zero_point, lo, hi, y); return;
    case DLK_ISA_AVX2:
    case DLK_ISA_AVX_VNNI: quantize_avx2(n, x, scale, zero_point, lo, hi, is_unsigned, y); return;
#endif
    default: quantize_portable(n, x, scale, zero_point, lo, hi, y); return;
    }
}

static void dequantize_bytes(size_t n, const uint8_t *x, int is_unsigned, float scale,
                             int32_t zero_point, float *y) {
    switch (dlk_isa_active()) {
#ifdef DLK_X86
    case DLK_ISA_AVX512:
    case DLK_ISA_AVX512_VNNI: dequantize_avx512(n, x, is_unsigned, scale, zero_point, y); return;
#endif
    default: dequantize_portable(n, x, is_unsigned, scale, zero_point, y); return;
    }
}

void dlk_quantize_s8(size_t n, const float *x, float scale, int32_t zero_point, int32_t qmin,
                     int32_t qmax, int8_t *y) {
    quantize_bytes(n, x, scale, zero_point, qmin, qmax, 0, (uint8_t *)y);
}

void dlk_quantize_u8(size_t n, const float *x, float scale, int32_t zero_point, int32_t qmin,
                     int32_t qmax, uint8_t *y) {
    quantize_bytes(n, x, scale, zero_point, qmin, qmax, 1, y);
}

void dlk_dequantize_s8(size_t n, const int8_t *x, float scale, int32_t zero_point, float *y) {
    dequantize_bytes(n, (const uint8_t *)x, 0, scale, zero_point, y);
}

void dlk_dequantize_u8(size_t n, const uint8_t *x, float scale, int32_t zero_point, float *y) {
    dequantize_bytes(n, x, 1, scale, zero_point, y);
}

/* The smallest and largest of x[0..n), NaN skipped. x86: AVX-512 or AVX2 (eight independent
 * bounds, so the min/max latency does not serialize the loop), SSE2 below that; aarch64:
 * NEON's minnm/maxnm, which skip a NaN operand. minps/maxps return their second operand when
 * either is NaN: with the running bound second, a NaN never enters it. */
#ifdef DLK_X86
__attribute__((target("avx512f")))
static size_t minmax_avx512(size_t n, const float *x, float *lo, float *hi) {
    __m512 l[4], h[4];
    for (int j = 0; j < 4; j++) { l[j] = _mm512_set1_ps(*lo); h[j] = _mm512_set1_ps(*hi); }
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 4; j++) {
            __m512 v = _mm512_loadu_ps(x + i + 16 * j);
            l[j] = _mm512_min_ps(v, l[j]);
            h[j] = _mm512_max_ps(v, h[j]);
        }
    *lo = _mm512_reduce_min_ps(_mm512_min_ps(_mm512_min_ps(l[0], l[1]), _mm512_min_ps(l[2], l[3])));
    *hi = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(h[0], h[1]), _mm512_max_ps(h[2], h[3])));
    return i;
}

__attribute__((target("avx2")))
static size_t minmax_avx2(size_t n, const float *x, float *lo, float *hi) {
    __m256 l[4], h[4];
    for (int j = 0; j < 4; j++) { l[j] = _mm256_set1_ps(*lo); h[j] = _mm256_set1_ps(*hi); }
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 4; j++) {
            __m256 v = _mm256_loadu_ps(x + i + 8 * j);
            l[j] = _mm256_min_ps(v, l[j]);
            h[j] = _mm256_max_ps(v, h[j]);
        }
    float lv[8], hv[8];
    _mm256_storeu_ps(lv, _mm256_min_ps(_mm256_min_ps(l[0], l[1]), _mm256_min_ps(l[2], l[3])));
    _mm256_storeu_ps(hv, _mm256_max_ps(_mm256_max_ps(h[0], h[1]), _mm256_max_ps(h[2], h[3])));
    for (int j = 0; j < 8; j++) {
        *lo = lv[j] < *lo ? lv[j] : *lo;
        *hi = hv[j] > *hi ? hv[j] : *hi;
    }
    return i;
}
#endif

void dlk_minmax_f32(size_t n, const float *x, float *min_out, float *max_out) {
    float lo = INFINITY, hi = -INFINITY;
    size_t i = 0;
#if defined(DLK_X86)
    dlk_isa isa = dlk_isa_active();
    if (isa >= DLK_ISA_AVX512 && isa <= DLK_ISA_AVX512_VNNI) i = minmax_avx512(n, x, &lo, &hi);
    else if (isa >= DLK_ISA_AVX2) i = minmax_avx2(n, x, &lo, &hi);
#elif defined(DLK_ARM64)
    float32x4_t l0 = vdupq_n_f32(INFINITY), l1 = l0, h0 = vdupq_n_f32(-INFINITY), h1 = h0;
    for (; i + 8 <= n; i += 8) {
        float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        l0 = vminnmq_f32(l0, a); l1 = vminnmq_f32(l1, b);
        h0 = vmaxnmq_f32(h0, a); h1 = vmaxnmq_f32(h1, b);
    }
    lo = vminnmvq_f32(vminnmq_f32(l0, l1));
    hi = vmaxnmvq_f32(vmaxnmq_f32(h0, h1));
#endif
    for (; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;   /* a NaN compares false and is skipped */
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo > hi) lo = hi = 0.0f;   /* nothing but NaN, or n = 0 */
    *min_out = lo;
    *max_out = hi;
}
