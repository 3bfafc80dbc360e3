/* int8 kernels for AVX-512: VNNI (vpdpbusd, uint8 × int8, A shifted by +128) with a 12×32
 * tile, and plain AVX-512BW with the same packed layout, emulating vpdpbusd exactly with
 * 16-bit multiply-adds (vpmaddubsw would saturate: 255·127·2 > 32767). */
#include "internal.h"
#ifdef DLK_X86
#include <immintrin.h>
#include "dot4_x86.h"

#define V __m512i
#define W 16
#define A_SHIFT 128
#define VZERO() _mm512_setzero_si512()
#define VLOADB(p) _mm512_loadu_si512((const void *)(p))
#define VBCAST4(p) _mm512_set1_epi32(*(const int32_t *)(const void *)(p))
#define VSTORE32(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VADD32(a, b) _mm512_add_epi32((a), (b))
#define NR 32
#define FINISH dlk_igemm_finish_avx512

/* The output stage, 16 columns at a time; the same operations in the same order as the
 * portable one (cvtdq2ps, mul, max, min, cvtps2dq rounding to nearest even), so bit-exact. */
__attribute__((target("avx512f,avx512bw,avx512vl")))
void dlk_igemm_finish_avx512(size_t cols, const int32_t *acc, const int32_t *offset,
                             const dlk_out_stage *st, size_t col0, void *crow) {
    const int32_t *off = offset + col0;
    int per_channel = st->per_channel;
    __m512 scale1 = _mm512_set1_ps(st->scale ? st->scale[0] : 1.0f);
    __m512 lo = _mm512_set1_ps((float)(st->qmin - st->zero_point));
    __m512 hi = _mm512_set1_ps((float)(st->qmax - st->zero_point));
    __m512i zp = _mm512_set1_epi32(st->zero_point);
    for (size_t j = 0; j < cols; j += 16) {
        __mmask16 mk = cols - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - j)) - 1);
        __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mk, acc + j),
                                     _mm512_maskz_loadu_epi32(mk, off + j));
        if (st->kind == DLK_OUT_INT32) {
            _mm512_mask_storeu_epi32((int32_t *)crow + col0 + j, mk, v);
            continue;
        }
        __m512 scale = per_channel ? _mm512_maskz_loadu_ps(mk, st->scale + col0 + j) : scale1;
        __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(v), scale);
        if (st->kind == DLK_OUT_REQUANT) {
            y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
            __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(y), zp);
            _mm512_mask_cvtsepi32_storeu_epi8((int8_t *)crow + col0 + j, mk, q);
        } else {
            __m512 b = st->bias_f ? _mm512_maskz_loadu_ps(mk, st->bias_f + col0 + j)
                                  : _mm512_setzero_ps();
            y = _mm512_add_ps(y, b);
            /* max(y, 0) gives 0 for a NaN y (the second operand), as the portable stage does */
            if (st->act != DLK_ACT_NONE) y = _mm512_max_ps(y, _mm512_setzero_ps());
            if (st->act == DLK_ACT_RELU6) y = _mm512_min_ps(y, _mm512_set1_ps(6.0f));
            _mm512_mask_storeu_ps((float *)crow + col0 + j, mk, y);
        }
    }
}

#define T __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define VDOT(acc, a, b) _mm512_dpbusd_epi32((acc), (a), (b))
#define MR 12
#define NAME(x) x##_vnni
#include "igemm_template.h"
#undef T
#undef VDOT
#undef MR
#undef NAME

#define T __attribute__((target("avx512f,avx512bw,avx512vl")))
#define VDOT(acc, a, b) dlk_dot4_avx512bw((acc), (a), (b))
#define MR 8
#define NAME(x) x##_avx512
#include "igemm_template.h"
#endif
