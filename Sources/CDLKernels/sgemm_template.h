/* fp32 kernels written once, instantiated per ISA by the including file, which defines:
 *   T                function attribute (target(...)) or nothing
 *   V, W             vector type and its width in floats
 *   VZERO() VLOAD(p) VSTORE(p, v) VSET1(x) VFMA(a, b, acc) VMUL(a, b) VADD(a, b) VHSUM(v)
 *   MR, NR           microkernel tile (NR a multiple of W)
 *   NAME(x)          x suffixed with the ISA name
 *   VMAX(a, b) VMIN(a, b)  a > b ? a : b and a < b ? a : b (NaN in a gives b, as Relu and Clip)
 * Register tiling: MR×(NR/W) accumulators, one broadcast of A per row and NR/W loads of B
 * per k step. Tails are handled by the driver (partial tiles) or scalar loops.
 * The epilogue (bias per column, then the activation, see dlk_sgemm_act) is applied to the
 * accumulators as they are stored: no second pass over C. */

#define NV (NR / W)

T static inline __attribute__((always_inline)) V
NAME(epilogue)(V v, const float *bias, int act) {
    if (bias) v = VADD(v, VLOAD(bias));
    if (act == DLK_ACT_RELU) v = VMAX(v, VZERO());
    else if (act == DLK_ACT_RELU6) v = VMIN(VMAX(v, VZERO()), VSET1(6.0f));
    return v;
}

/* The first `rows` rows and nv·W columns of an MR×NR tile (rows and nv are constants after
 * inlining). A[r][p] is pa[r·rsa + p·psa]: a packed panel (rsa = 1, psa = MR) or A read in
 * place (rsa = lda, psa = 1). */
T static inline __attribute__((always_inline)) void
NAME(body)(const int rows, const int nv, size_t kc, const float *restrict pa, size_t rsa, size_t psa,
           const float *restrict pb, size_t ldpb, float *restrict c, size_t ldc, float alpha,
           float beta, const float *bias, int act) {
    V acc[MR][NV];
    DLK_UNROLL for (int r = 0; r < MR; r++)
        DLK_UNROLL for (int v = 0; v < nv; v++) acc[r][v] = VZERO();
    for (size_t p = 0; p < kc; p++) {
        V b[NV];
        DLK_UNROLL for (int v = 0; v < nv; v++) b[v] = VLOAD(pb + v * W);
        DLK_UNROLL for (int r = 0; r < MR; r++) {
            if (r < rows) {
                V a = VSET1(pa[r * rsa]);
                DLK_UNROLL for (int v = 0; v < nv; v++) acc[r][v] = VFMA(a, b[v], acc[r][v]);
            }
        }
        pa += psa;
        pb += ldpb;
    }
    V va = VSET1(alpha);
    if (beta == 0.0f && !bias && act == DLK_ACT_NONE) {
        DLK_UNROLL for (int r = 0; r < MR; r++)
            if (r < rows)
                DLK_UNROLL for (int v = 0; v < nv; v++) VSTORE(c + r * ldc + v * W, VMUL(va, acc[r][v]));
    } else if (beta == 0.0f) {
        DLK_UNROLL for (int r = 0; r < MR; r++)
            if (r < rows)
                DLK_UNROLL for (int v = 0; v < nv; v++)
                    VSTORE(c + r * ldc + v * W,
                           NAME(epilogue)(VMUL(va, acc[r][v]), bias ? bias + v * W : NULL, act));
    } else {
        V vb = VSET1(beta);
        DLK_UNROLL for (int r = 0; r < MR; r++)
            if (r < rows) DLK_UNROLL for (int v = 0; v < nv; v++) {
                float *cp = c + r * ldc + v * W;
                VSTORE(cp, NAME(epilogue)(VFMA(vb, VLOAD(cp), VMUL(va, acc[r][v])),
                                          bias ? bias + v * W : NULL, act));
            }
    }
}

T static void NAME(ukr)(size_t kc, const float *restrict pa, const float *restrict pb,
                        size_t ldpb, float *restrict c, size_t ldc, float alpha, float beta,
                        const float *bias, int act) {
    NAME(body)(MR, NV, kc, pa, 1, MR, pb, ldpb, c, ldc, alpha, beta, bias, act);
}

/* A partial panel (rows < MR) without computing the padding rows. */
T static void NAME(ukr_rows)(int rows, size_t kc, const float *restrict pa,
                             const float *restrict pb, size_t ldpb, float *restrict c, size_t ldc,
                             float alpha, float beta, const float *bias, int act) {
#define ROWS_CASE(R) case R: NAME(body)(R, NVC, kc, pa, RSA, PSA, pb, ldpb, c, ldc, alpha, beta, bias, act); return;
#define NVC NV
#define RSA 1
#define PSA MR
#include "sgemm_rows_switch.h"
}
#undef RSA
#undef PSA

/* `rows` ≤ MR rows of A read in place (row stride lda): no packing of A, for few rows. */
T static void NAME(ukr_direct)(int rows, size_t kc, const float *restrict pa, size_t lda,
                               const float *restrict pb, size_t ldpb, float *restrict c, size_t ldc,
                               float alpha, float beta, const float *bias, int act) {
#define RSA lda
#define PSA 1
#include "sgemm_rows_switch.h"
#undef RSA
#undef PSA
}

/* ukr_direct on the first W columns only (tiles at most W wide: a 10-class output layer). */
T static void NAME(ukr_direct_narrow)(int rows, size_t kc, const float *restrict pa, size_t lda,
                               const float *restrict pb, size_t ldpb, float *restrict c, size_t ldc,
                               float alpha, float beta, const float *bias, int act) {
#define RSA lda
#define PSA 1
#undef NVC
#define NVC 1
#include "sgemm_rows_switch.h"
#undef RSA
#undef PSA
#undef ROWS_CASE
#undef NVC
}

/* y[0..n) = alpha·Σp x[p·incx]·B[p][0..n) + beta·y: rows of B streamed in order, eight at a
 * time, into an accumulator chunk that stays in L1. A large B streams from L3 at the core's
 * read bandwidth; eight rows in flight (eight pages for the hardware prefetcher) and no
 * software prefetch won most rounds of an interleaved comparison against four rows with
 * prefetching four rows ahead (1024×1024: 48, 37 and 30 of 100 rounds against 6, 10 and 18;
 * its best 0–5% faster). */
#define GEMV_CHUNK 1024
#define GEMV_ROWS 8
T static void NAME(gemv_n)(size_t n, size_t k, float alpha, const float *x, size_t incx,
                           const float *b, size_t ldb, float beta, float *y) {
    float acc[GEMV_CHUNK] __attribute__((aligned(64)));
    for (size_t j0 = 0; j0 < n; j0 += GEMV_CHUNK) {
        size_t nc = n - j0 < GEMV_CHUNK ? n - j0 : GEMV_CHUNK;
        size_t nv = nc / W * W;
        for (size_t j = 0; j < nc; j++) acc[j] = 0.0f;
        size_t p = 0;
        for (; p + GEMV_ROWS <= k; p += GEMV_ROWS) {
            const float *br[GEMV_ROWS];
            V xv[GEMV_ROWS];
            float xs[GEMV_ROWS];
            DLK_UNROLL for (int r = 0; r < GEMV_ROWS; r++) {
                br[r] = b + (p + r) * ldb + j0;
                xs[r] = x[(p + r) * incx];
                xv[r] = VSET1(xs[r]);
            }
            size_t j = 0;
            for (; j < nv; j += W) {
                V s = VFMA(xv[0], VLOAD(br[0] + j), VLOAD(acc + j));
                V t = VMUL(xv[1], VLOAD(br[1] + j));
                DLK_UNROLL for (int r = 2; r < GEMV_ROWS; r += 2) {
                    s = VFMA(xv[r], VLOAD(br[r] + j), s);
                    t = VFMA(xv[r + 1], VLOAD(br[r + 1] + j), t);
                }
                VSTORE(acc + j, VADD(s, t));
            }
            for (; j < nc; j++) {
                float sum = acc[j];
                DLK_UNROLL for (int r = 0; r < GEMV_ROWS; r++) sum += xs[r] * br[r][j];
                acc[j] = sum;
            }
        }
        for (; p < k; p++) {
            const float *b0 = b + p * ldb + j0;
            V x0 = VSET1(x[p * incx]);
            float s0 = x[p * incx];
            size_t j = 0;
            for (; j < nv; j += W) VSTORE(acc + j, VFMA(x0, VLOAD(b0 + j), VLOAD(acc + j)));
            for (; j < nc; j++) acc[j] += s0 * b0[j];
        }
        float *yc = y + j0;
        if (beta == 0.0f)
            for (size_t j = 0; j < nc; j++) yc[j] = alpha * acc[j];
        else
            for (size_t j = 0; j < nc; j++) yc[j] = alpha * acc[j] + beta * yc[j];
    }
}

/* y[j] = alpha·Σp x[p·incx]·B[j][p] + beta·y[j]: four dot products at a time. */
T static void NAME(gemv_t)(size_t n, size_t k, float alpha, const float *x, size_t incx,
                           const float *b, size_t ldb, float beta, float *y) {
    const float *xs = x;
    float xbuf[GEMV_CHUNK] __attribute__((aligned(64)));
    size_t kv = k / W * W;
    size_t j = 0;
    for (; j < n; j += 4) {
        int rows = n - j < 4 ? (int)(n - j) : 4;
        const float *br[4];
        for (int r = 0; r < 4; r++) br[r] = b + (j + (r < rows ? r : 0)) * ldb;
        float dot[4] = {0, 0, 0, 0};
        for (size_t p0 = 0; p0 < k; p0 += GEMV_CHUNK) {
            size_t kc = k - p0 < GEMV_CHUNK ? k - p0 : GEMV_CHUNK;
            if (incx != 1) {  /* gather a strided x once per chunk */
                for (size_t p = 0; p < kc; p++) xbuf[p] = x[(p0 + p) * incx];
                xs = xbuf;
            } else {
                xs = x + p0;
            }
            size_t kcv = kc / W * W;
            V s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
            size_t p = 0;
            for (; p < kcv; p += W) {
                V xv = VLOAD(xs + p);
                s0 = VFMA(xv, VLOAD(br[0] + p0 + p), s0);
                s1 = VFMA(xv, VLOAD(br[1] + p0 + p), s1);
                s2 = VFMA(xv, VLOAD(br[2] + p0 + p), s2);
                s3 = VFMA(xv, VLOAD(br[3] + p0 + p), s3);
            }
            dot[0] += VHSUM(s0); dot[1] += VHSUM(s1); dot[2] += VHSUM(s2); dot[3] += VHSUM(s3);
            for (; p < kc; p++)
                for (int r = 0; r < 4; r++) dot[r] += xs[p] * br[r][p0 + p];
        }
        for (int r = 0; r < rows; r++)
            y[j + r] = beta == 0.0f ? alpha * dot[r] : alpha * dot[r] + beta * y[j + r];
    }
    (void)kv;
}

/* out[0..NR) = Σp x[p·incx]·pb[p·NR + j]: one row against one packed panel (batch 1). */
T static void NAME(gemv_p)(size_t k, const float *x, size_t incx, const float *restrict pb,
                           float *restrict out) {
    V acc0[NV], acc1[NV];
    DLK_UNROLL for (int v = 0; v < NV; v++) acc0[v] = acc1[v] = VZERO();
    size_t p = 0;
    for (; p + 2 <= k; p += 2) {
        V a0 = VSET1(x[p * incx]), a1 = VSET1(x[(p + 1) * incx]);
        DLK_UNROLL for (int v = 0; v < NV; v++) {
            acc0[v] = VFMA(a0, VLOAD(pb + v * W), acc0[v]);
            acc1[v] = VFMA(a1, VLOAD(pb + NR + v * W), acc1[v]);
        }
        pb += 2 * NR;
    }
    if (p < k) {
        V a0 = VSET1(x[p * incx]);
        DLK_UNROLL for (int v = 0; v < NV; v++) acc0[v] = VFMA(a0, VLOAD(pb + v * W), acc0[v]);
    }
    DLK_UNROLL for (int v = 0; v < NV; v++) VSTORE(out + v * W, VADD(acc0[v], acc1[v]));
}

/* c[0..n) = act(c + bias): the epilogue of the batch-1 paths (whose stores are scalar). */
T static void NAME(epilogue_row)(size_t n, float *restrict c, const float *restrict bias, int act) {
    size_t j = 0;
    for (; j + W <= n; j += W) VSTORE(c + j, NAME(epilogue)(VLOAD(c + j), bias ? bias + j : NULL, act));
    for (; j < n; j++) c[j] = dlk_sgemm_epilogue_scalar(c[j], bias ? bias + j : NULL, act);
}

#ifndef PACK_BT
#define PACK_BT NULL
#endif
const dlk_sgemm_kernels NAME(dlk_sgemm) = {MR, NR, NAME(ukr), NAME(ukr_rows), NAME(gemv_n),
                                           NAME(gemv_t), NAME(gemv_p), PACK_BT,
                                           NAME(epilogue_row), NAME(ukr_direct),
                                           NAME(ukr_direct_narrow), W};
#undef PACK_BT

#undef NV
#undef GEMV_CHUNK
