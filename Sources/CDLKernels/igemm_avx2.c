/* int8 kernels for 256-bit x86: the VNNI layout (uint8 A shifted by +128, int8 B in groups
 * of 4, 16 columns), instantiated twice:
 *  - AVX2: vpdpbusd emulated exactly with 16-bit multiply-adds; 4×16 tile.
 *  - AVX-VNNI (AVX2 CPUs with the 256-bit vpdpbusd: Alder Lake and later cores, the Intel
 *    N100 class of edge boxes): one instruction per dot product where AVX2 needs five; the
 *    registers the emulation needed hold two more rows, a 6×16 tile. */
#include "internal.h"
#ifdef DLK_X86
#include <immintrin.h>
#include "dot4_x86.h"

#define V __m256i
#define W 8
#define A_SHIFT 128
#define VZERO() _mm256_setzero_si256()
#define VLOADB(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define VBCAST4(p) _mm256_set1_epi32(*(const int32_t *)(const void *)(p))
#define VSTORE32(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define VADD32(a, b) _mm256_add_epi32((a), (b))
#define NR 16
#define FINISH dlk_igemm_finish_portable

#define T __attribute__((target("avx2,fma")))
#define VDOT(acc, a, b) dlk_dot4_avx2((acc), (a), (b))
#define MR 4
#define NAME(x) x##_avx2
#include "igemm_template.h"
#undef T
#undef VDOT
#undef MR
#undef NAME

#define T __attribute__((target("avx2,fma,avxvnni")))
#define VDOT(acc, a, b) _mm256_dpbusd_avx_epi32((acc), (a), (b))
#define MR 6
#define NAME(x) x##_avxvnni
#include "igemm_template.h"
#endif
