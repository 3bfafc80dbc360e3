/* int8 kernels in plain C: the fallback on any CPU and the microkernel for any tile size
 * (used when a prepacked layout belongs to a level above the active one). */
#include "internal.h"

/* One body for every tile size; with constant sizes (the portable kernels) the compiler
 * unrolls and vectorizes it with the baseline SIMD. */
static inline __attribute__((always_inline)) void
ukr_body(int mr, int nr, int a_shift, size_t kg, const uint8_t *pa, const int8_t *pb,
         int32_t *acc) {
    for (int i = 0; i < mr * nr; i++) acc[i] = 0;
    for (size_t g = 0; g < kg; g++)
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++) {
                int32_t s = 0;
                for (int q = 0; q < 4; q++) {
                    int32_t a = a_shift ? (int32_t)pa[(g * mr + r) * 4 + q]
                                        : (int32_t)(int8_t)pa[(g * mr + r) * 4 + q];
                    s += a * (int32_t)pb[(g * nr + j) * 4 + q];
                }
                acc[r * nr + j] += s;
            }
}

void dlk_igemm_ukr_generic(int mr, int nr, int a_shift, size_t kg, const uint8_t *pa,
                           const int8_t *pb, int32_t *acc) {
    ukr_body(mr, nr, a_shift, kg, pa, pb, acc);
}

/* Multiply-then-add stays two roundings, as in the Swift reference (no FMA contraction). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static inline float round_half_even(float y) {
    /* Exact for |y| < 2^22 (y is clamped to the int8 range first): adding 1.5·2^23 leaves no
     * fraction bits, and the FPU rounds to nearest even. Not folded: no fast-math. */
    const float magic = 12582912.0f;
    return (y + magic) - magic;
}

void dlk_igemm_finish_portable(size_t cols, const int32_t *acc, const int32_t *offset,
                               const dlk_out_stage *st, size_t col0, void *crow) {
    for (size_t j = 0; j < cols; j++) {
        size_t col = col0 + j;
        int32_t v = (int32_t)((uint32_t)acc[j] + (uint32_t)offset[col]);
        switch (st->kind) {
        case DLK_OUT_INT32:
            ((int32_t *)crow)[col] = v;
            break;
        case DLK_OUT_REQUANT: {
            float scale = st->scale[st->per_channel ? col : 0];
            float lo = (float)(st->qmin - st->zero_point), hi = (float)(st->qmax - st->zero_point);
            float y = (float)v * scale;
            y = y < lo ? lo : (y > hi ? hi : y);
            ((int8_t *)crow)[col] = (int8_t)((int32_t)round_half_even(y) + st->zero_point);
            break;
        }
        case DLK_OUT_DEQUANT: {
            float y = (float)v * st->scale[st->per_channel ? col : 0];
            y = y + (st->bias_f ? st->bias_f[col] : 0.0f);
            if (st->act != DLK_ACT_NONE) y = y > 0.0f ? y : 0.0f;
            if (st->act == DLK_ACT_RELU6) y = y < 6.0f ? y : 6.0f;
            ((float *)crow)[col] = y;
            break;
        }
        }
    }
}

#define MR_P 4
#define NR_P 8
static void ukr_portable(size_t kg, const uint8_t *pa, const int8_t *pb, int32_t *acc) {
    ukr_body(MR_P, NR_P, 128, kg, pa, pb, acc);
}
static void ukr1_portable(size_t kg, const uint8_t *pa, const int8_t *pb, int32_t *acc) {
    ukr_body(1, NR_P, 128, kg, pa, pb, acc);
}
const dlk_igemm_kernels dlk_igemm_portable = {MR_P, NR_P, 128, ukr_portable, ukr1_portable,
                                               dlk_igemm_finish_portable};
