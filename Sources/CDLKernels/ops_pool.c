/* The max-pooling row kernel of the common 2-wide, stride-2 window (MaxPool2D's row-wise pass
 * reads every other column there, which Swift does not vectorise). Plain loops instantiated per
 * level through target attributes, as in ops_vmath.c; `v > m ? v : m` is exactly maxps, so
 * every level gives the same bits as the scalar rule (NaN never wins, ties keep the first). */
#include "dlk_ops.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__clang__)
#define DLK_POOL_X86 1
#endif

#define DEFINE_MAX2S2(name, attr)                                                          \
    attr static void name(const float *row, float *out, size_t n) {                        \
        for (size_t i = 0; i < n; i++) {                                                   \
            float m = out[i], a = row[2 * i], b = row[2 * i + 1];                          \
            m = a > m ? a : m;                                                             \
            out[i] = b > m ? b : m;                                                        \
        }                                                                                  \
    }

DEFINE_MAX2S2(max2s2_portable, )
#ifdef DLK_POOL_X86
DEFINE_MAX2S2(max2s2_avx2, __attribute__((target("avx2,fma"))))
DEFINE_MAX2S2(max2s2_avx512, __attribute__((target("avx512f,avx2,fma"))))
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
