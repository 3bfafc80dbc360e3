/* int8 kernels for aarch64: with the dot-product extension, sdot (int8 × int8, A unshifted)
 * on a 6×16 tile; without it, widening multiply-adds on the same layout. */
#include "internal.h"
#ifdef DLK_ARM64
#include <arm_neon.h>

#define V int32x4_t
#define W 4
#define A_SHIFT 0
#define VZERO() vdupq_n_s32(0)
#define VLOADB(p) vreinterpretq_s32_s8(vld1q_s8((const int8_t *)(p)))
#define VBCAST4(p) vld1q_dup_s32((const int32_t *)(const void *)(p))
#define VSTORE32(p, v) vst1q_s32((p), (v))
#define VADD32(a, b) vaddq_s32((a), (b))
#define NR 16
#define FINISH dlk_igemm_finish_portable

/* Σ of the 4 products per lane without sdot: widen to 16 bits, pairwise-add to 32 bits. */
static inline int32x4_t dot4_neon(int32x4_t acc, int32x4_t a, int32x4_t b) {
    int8x16_t a8 = vreinterpretq_s8_s32(a), b8 = vreinterpretq_s8_s32(b);
    int16x8_t lo = vmull_s8(vget_low_s8(a8), vget_low_s8(b8));
    int16x8_t hi = vmull_high_s8(a8, b8);
    int32x4_t slo = vpaddlq_s16(lo), shi = vpaddlq_s16(hi);  /* pairs */
    return vaddq_s32(acc, vpaddq_s32(slo, shi));            /* quads, lanes in order */
}
#define T
#define VDOT(acc, a, b) dot4_neon((acc), (a), (b))
#define MR 4
#define NAME(x) x##_neon
#include "igemm_template.h"
#undef T
#undef VDOT
#undef MR
#undef NAME

#if defined(__clang__)
#define T __attribute__((target("dotprod")))
#else
#define T __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#define VDOT(acc, a, b) vdotq_s32((acc), vreinterpretq_s8_s32(a), vreinterpretq_s8_s32(b))
#define MR 6
#define NAME(x) x##_dotprod
#include "igemm_template.h"
#endif
