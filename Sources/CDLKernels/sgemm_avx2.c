/* fp32 kernels for AVX2 + FMA: 6×16 tile (12 ymm accumulators). */
#include "internal.h"
#ifdef DLK_X86
#include <immintrin.h>

#define T __attribute__((target("avx2,fma")))
T static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#define V __m256
#define W 8
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VMUL(a, b) _mm256_mul_ps((a), (b))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VHSUM(v) hsum256(v)
#define MR 6
#define NR 16
#define NAME(x) x##_avx2
#include "sgemm_template.h"
#endif
