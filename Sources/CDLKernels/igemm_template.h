/* int8 microkernels written once, instantiated per ISA by the including file, which defines:
 *   T              function attribute (target(...)) or nothing
 *   V, W           vector of W int32 lanes
 *   VZERO() VLOADB(p)  (4·W bytes of packed B)  VBCAST4(p) (4 bytes of A to every lane)
 *   VDOT(acc, a, b)    acc + Σ of 4 byte products per lane (a as stored by packing, b int8)
 *   VSTORE32(p, v)     store W int32
 *   MR, NR, A_SHIFT, NAME(x), FINISH (the output stage function)
 * Packed layouts (internal.h): per group of 4 k, MR rows × 4 bytes of A, NR columns × 4 bytes
 * of B. The accumulators are raw (no zero-point correction): the driver corrects them. */

#define NV (NR / W)

T static inline __attribute__((always_inline)) void
NAME(body)(const int rows, const int astride, size_t kg, const uint8_t *restrict pa,
           const int8_t *restrict pb, int32_t *restrict out) {
    V acc[MR][NV];
    DLK_UNROLL for (int r = 0; r < MR; r++)
        DLK_UNROLL for (int v = 0; v < NV; v++) acc[r][v] = VZERO();
    for (size_t g = 0; g < kg; g++) {
        V b[NV];
        DLK_UNROLL for (int v = 0; v < NV; v++) b[v] = VLOADB(pb + v * W * 4);
        DLK_UNROLL for (int r = 0; r < MR; r++) {
            if (r < rows) {
                V a = VBCAST4(pa + r * 4);
                DLK_UNROLL for (int v = 0; v < NV; v++) acc[r][v] = VDOT(acc[r][v], a, b[v]);
            }
        }
        pa += astride;
        pb += NR * 4;
    }
    DLK_UNROLL for (int r = 0; r < MR; r++)
        if (r < rows)
            DLK_UNROLL for (int v = 0; v < NV; v++) VSTORE32(out + r * NR + v * W, acc[r][v]);
}

T static void NAME(ukr)(size_t kg, const uint8_t *pa, const int8_t *pb, int32_t *out) {
    NAME(body)(MR, MR * 4, kg, pa, pb, out);
}

/* One row (batch 1): two sets of accumulators over even and odd groups hide the latency. */
T static void NAME(ukr1)(size_t kg, const uint8_t *restrict pa, const int8_t *restrict pb,
                         int32_t *restrict out) {
    V acc0[NV], acc1[NV];
    DLK_UNROLL for (int v = 0; v < NV; v++) acc0[v] = acc1[v] = VZERO();
    size_t g = 0;
    for (; g + 2 <= kg; g += 2) {
        V a0 = VBCAST4(pa), a1 = VBCAST4(pa + 4);
        DLK_UNROLL for (int v = 0; v < NV; v++) {
            acc0[v] = VDOT(acc0[v], a0, VLOADB(pb + v * W * 4));
            acc1[v] = VDOT(acc1[v], a1, VLOADB(pb + NR * 4 + v * W * 4));
        }
        pa += 8;
        pb += 2 * NR * 4;
    }
    if (g < kg) {
        V a0 = VBCAST4(pa);
        DLK_UNROLL for (int v = 0; v < NV; v++) acc0[v] = VDOT(acc0[v], a0, VLOADB(pb + v * W * 4));
    }
    DLK_UNROLL for (int v = 0; v < NV; v++) VSTORE32(out + v * W, VADD32(acc0[v], acc1[v]));
}

const dlk_igemm_kernels NAME(dlk_igemm) = {MR, NR, A_SHIFT, NAME(ukr), NAME(ukr1), FINISH};

#undef NV
