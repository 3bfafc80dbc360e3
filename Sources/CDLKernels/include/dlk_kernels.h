/* CDLKernels: SIMD microkernels behind DLKernels. Internal: not part of the C ABI. */
#ifndef DLK_KERNELS_H
#define DLK_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Which instruction-set level the dispatcher uses (highest the CPU has, unless forced). */
typedef enum {
    DLK_ISA_PORTABLE = 0,
    DLK_ISA_AVX2 = 1,
    DLK_ISA_AVX512 = 2,
    DLK_ISA_AVX512_VNNI = 3,
    DLK_ISA_NEON = 10,
    DLK_ISA_NEON_DOTPROD = 11,
} dlk_isa;

#endif
