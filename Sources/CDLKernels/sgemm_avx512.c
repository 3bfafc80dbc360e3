/* fp32 kernels for AVX-512: 8×32 tile (16 zmm accumulators). */
#include "internal.h"
#ifdef DLK_X86
#include <immintrin.h>

#define T __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define V __m512
#define W 16
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VMUL(a, b) _mm512_mul_ps((a), (b))
#define VADD(a, b) _mm512_add_ps((a), (b))
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VMAX(a, b) _mm512_max_ps((a), (b))
#define VMIN(a, b) _mm512_min_ps((a), (b))
#define MR 12
#define NR 32
#define NAME(x) x##_avx512
#define PACK_BT dlk_sgemm_pack_bt_avx2
#include "sgemm_template.h"
#endif
