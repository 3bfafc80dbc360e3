/* fp32 GEMM driver: cache blocking (KC×NC panels of B, MC×KC blocks of A), packing, the
 * split of work across threads, and the batch-1 (GEMV) paths. The ISA microkernels are in
 * sgemm_<isa>.c; the Swift reference in DLKernels/Reference/GemmReference.swift is the spec. */
#include "internal.h"
#include <string.h>

/* KC: k block when B is packed per call (its panels stay in L1); prepacked B is read over up
 * to PACKED_KC at once, saving passes over C (64×512×784: 310 -> 302 us). */
enum { KC = 256, PACKED_KC = 1024, MC_TARGET = 384, NC_TARGET = 4096 };
#ifndef DIRECT_B
#define DIRECT_B(rows) ((rows) <= 128)
#endif

#define PACKED_MAGIC 0x46504B44u /* "DKPF" */
typedef struct {
    uint32_t magic;
    int32_t isa;
    int32_t nr;
    int32_t reserved;
    uint64_t k, n;
    uint8_t pad[32];
} packed_header;
_Static_assert(sizeof(packed_header) == 64, "packed header keeps panels 64-byte aligned");

static const dlk_sgemm_kernels *kernels_for(dlk_isa isa) {
    switch (isa) {
#ifdef DLK_X86
    case DLK_ISA_AVX2:
    case DLK_ISA_AVX_VNNI: return &dlk_sgemm_avx2;
    case DLK_ISA_AVX512:
    case DLK_ISA_AVX512_VNNI: return &dlk_sgemm_avx512;
#endif
#ifdef DLK_ARM64
    case DLK_ISA_NEON:
    case DLK_ISA_NEON_DOTPROD: return &dlk_sgemm_neon;
#endif
    default: return &dlk_sgemm_portable;
    }
}

/* ---- packing ---- */

/* op(A)[i0.., p0..] (mc×kc) into panels of mr rows, zero-padded: pa[ir·kc + p·mr + r]. */
static void pack_a(int trans, const float *a, size_t lda, size_t i0, size_t mc, size_t p0,
                   size_t kc, int mr, float *pa) {
    for (size_t ir = 0; ir < mc; ir += (size_t)mr) {
        size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
        float *dst = pa + ir * kc;
        if (!trans) {
            const float *src[32];
            for (size_t r = 0; r < rows; r++) src[r] = a + (i0 + ir + r) * lda + p0;
            for (size_t p = 0; p < kc; p++) {
                size_t r = 0;
                for (; r < rows; r++) dst[p * mr + r] = src[r][p];
                for (; r < (size_t)mr; r++) dst[p * mr + r] = 0.0f;
            }
        } else {
            for (size_t p = 0; p < kc; p++) {
                const float *src = a + (p0 + p) * lda + i0 + ir;
                size_t r = 0;
                for (; r < rows; r++) dst[p * mr + r] = src[r];
                for (; r < (size_t)mr; r++) dst[p * mr + r] = 0.0f;
            }
        }
    }
}

/* op(B)[p0.., j0..] (kc×nc) into panels of nr columns, zero-padded; panel q starts at
 * pb + q·pstride and holds pb[p·nr + j]. */
static void pack_b(const dlk_sgemm_kernels *K, int trans, const float *b, size_t ldb, size_t p0,
                   size_t kc, size_t j0, size_t nc, int nr, float *pb, size_t pstride) {
    for (size_t jr = 0; jr < nc; jr += (size_t)nr) {
        size_t cols = nc - jr < (size_t)nr ? nc - jr : (size_t)nr;
        float *dst = pb + (jr / nr) * pstride;
        if (!trans) {
            for (size_t p = 0; p < kc; p++) {
                const float *src = b + (p0 + p) * ldb + j0 + jr;
                memcpy(dst + p * nr, src, cols * sizeof(float));
                for (size_t j = cols; j < (size_t)nr; j++) dst[p * nr + j] = 0.0f;
            }
        } else if (K && K->pack_bt) {
            K->pack_bt(b + (j0 + jr) * ldb + p0, ldb, kc, cols, nr, dst);
            for (size_t j = cols; j < (size_t)nr; j++)
                for (size_t p = 0; p < kc; p++) dst[p * nr + j] = 0.0f;
        } else {
            for (size_t j = 0; j < cols; j++) {
                const float *src = b + (j0 + jr + j) * ldb + p0;
                for (size_t p = 0; p < kc; p++) dst[p * nr + j] = src[p];
            }
            for (size_t j = cols; j < (size_t)nr; j++)
                for (size_t p = 0; p < kc; p++) dst[p * nr + j] = 0.0f;
        }
    }
}

/* ---- the blocked product over one range of rows and columns ---- */

typedef struct {
    const dlk_sgemm_kernels *K;  /* NULL: generic microkernel with mr × nr */
    int mr, nr;
    int ta, tb;
    size_t m, n, k;
    float alpha, beta;
    const float *a, *b;
    size_t lda, ldb;
    float *c;
    size_t ldc;
    const float *packed;  /* panels of all k rows, or NULL */
    const float *bias;    /* [n] or NULL: the epilogue, applied after the last k block */
    int act;
    int split_n;
    size_t chunk;
} sg_ctx;

/* One tile of C; bias (at the tile's first column) and act: the epilogue, on the last k block.
 * direct: pa is A itself (row stride lda), not a packed panel. */
static void tile(const sg_ctx *x, size_t kc, const float *pa, int direct, const float *pb,
                 size_t ldpb, float *c, size_t rows, size_t cols, float beta, const float *bias,
                 int act) {
    int mr = x->mr, nr = x->nr;
    if (x->K && cols == (size_t)nr) {
        if (direct)
            x->K->ukr_direct((int)rows, kc, pa, x->lda, pb, ldpb, c, x->ldc, x->alpha, beta, bias, act);
        else if (rows == (size_t)mr) x->K->ukr(kc, pa, pb, ldpb, c, x->ldc, x->alpha, beta, bias, act);
        else x->K->ukr_rows((int)rows, kc, pa, pb, ldpb, c, x->ldc, x->alpha, beta, bias, act);
        return;
    }
    /* A narrow tile (an output layer of 10 classes) computes one vector of columns, not nr. */
    int narrow = direct && cols <= (size_t)x->K->w && x->K->w < nr;
    if (narrow && cols == (size_t)x->K->w) {
        x->K->ukr_direct_narrow((int)rows, kc, pa, x->lda, pb, ldpb, c, x->ldc, x->alpha, beta, bias, act);
        return;
    }
    float tmp[32 * 64] __attribute__((aligned(64)));
    if (narrow)
        x->K->ukr_direct_narrow((int)rows, kc, pa, x->lda, pb, ldpb, tmp, (size_t)nr, 1.0f, 0.0f, NULL, 0);
    else if (direct)
        x->K->ukr_direct((int)rows, kc, pa, x->lda, pb, ldpb, tmp, (size_t)nr, 1.0f, 0.0f, NULL, 0);
    else if (x->K) x->K->ukr_rows((int)rows, kc, pa, pb, ldpb, tmp, (size_t)nr, 1.0f, 0.0f, NULL, 0);
    else dlk_sgemm_ukr_generic(mr, nr, kc, pa, pb, tmp, (size_t)nr, 1.0f, 0.0f);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) {
            float v = x->alpha * tmp[r * nr + j];
            v = beta == 0.0f ? v : v + beta * c[r * x->ldc + j];
            c[r * x->ldc + j] = dlk_sgemm_epilogue_scalar(v, bias ? bias + j : NULL, act);
        }
}

/* C[i0..i1)[j0..j1) = act(C + bias) in one pass (paths whose stores do not fuse it). */
static void epilogue_rows(const sg_ctx *x, size_t i0, size_t i1, size_t j0, size_t j1) {
    if (!x->bias && x->act == DLK_ACT_NONE) return;
    const float *bias = x->bias ? x->bias + j0 : NULL;
    for (size_t i = i0; i < i1; i++) {
        float *c = x->c + i * x->ldc + j0;
        if (x->K) x->K->epilogue_row(j1 - j0, c, bias, x->act);
        else
            for (size_t j = 0; j < j1 - j0; j++)
                c[j] = dlk_sgemm_epilogue_scalar(c[j], bias ? bias + j : NULL, x->act);
    }
}

/* Plain loops needing no memory, for when packing buffers cannot be had. */
static void unpacked(const sg_ctx *x, size_t i0, size_t i1, size_t j0, size_t j1) {
    size_t nr = (size_t)x->nr;
    for (size_t i = i0; i < i1; i++)
        for (size_t j = j0; j < j1; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < x->k; p++) {
                float av = x->ta ? x->a[p * x->lda + i] : x->a[i * x->lda + p];
                float bv = x->packed ? x->packed[(j / nr) * x->k * nr + p * nr + j % nr]
                                     : (x->tb ? x->b[j * x->ldb + p] : x->b[p * x->ldb + j]);
                acc += av * bv;
            }
            float *c = x->c + i * x->ldc + j;
            *c = x->beta == 0.0f ? x->alpha * acc : x->alpha * acc + x->beta * *c;
        }
    epilogue_rows(x, i0, i1, j0, j1);
}

static void blocked(const sg_ctx *x, size_t i0, size_t i1, size_t j0, size_t j1) {
    int mr = x->mr, nr = x->nr;
    size_t mcb = (MC_TARGET / mr) * mr, ncb = (NC_TARGET / nr) * nr;
    size_t nspan = j1 - j0 < ncb ? j1 - j0 : ncb;
    /* Equal k blocks (784 = 4×196, not 3×256 + 16): a thin last block wastes C traffic. */
    size_t kmax = x->packed ? PACKED_KC : KC;
    size_t kblocks = (x->k + kmax - 1) / kmax, kcb = (x->k + kblocks - 1) / kblocks;
    /* A not transposed is read in place by the microkernel (its rows are broadcast one
     * float at a time, so a packed panel saves nothing): packing it cost as much as the
     * product for few rows of A or few columns of B (64×64×128: 16 -> 6 us). */
    int direct_a = !x->ta && x->K;
    size_t pa_floats = direct_a ? 0 : mcb * kcb;
    size_t pb_floats = x->packed ? 0 : ((nspan + nr - 1) / nr) * nr * kcb;
    /* + 16: never ask for 0 bytes (no buffer at all would mean the slow unpacked path) */
    float *pa = dlk_scratch(0, (pa_floats + pb_floats + 16) * sizeof(float));
    if (!pa) {   /* out of memory for packing: still the right answer, slowly */
        unpacked(x, i0, i1, j0, j1);
        return;
    }
    float *pbuf = pa + pa_floats;
    for (size_t jc = j0; jc < j1; jc += ncb) {
        size_t nc = j1 - jc < ncb ? j1 - jc : ncb;
        for (size_t pc = 0; pc < x->k; pc += kcb) {
            size_t kc = x->k - pc < kcb ? x->k - pc : kcb;
            const float *pb;
            size_t pstride;
            /* B not transposed: full panels are read in place (rows ldb apart) when there
             * are few rows of A to amortize packing over; only a ragged last panel is packed. */
            int direct = !x->packed && !x->tb && x->K && DIRECT_B(i1 - i0);
            if (x->packed) {
                pb = x->packed + (jc / nr) * x->k * nr + pc * nr;
                pstride = x->k * nr;
            } else if (direct) {
                size_t full = nc / nr * nr;
                if (full < nc)
                    pack_b(x->K, 0, x->b, x->ldb, pc, kc, jc + full, nc - full, nr, pbuf, kc * nr);
                pb = pbuf;
                pstride = kc * nr;
            } else {
                pack_b(x->K, x->tb, x->b, x->ldb, pc, kc, jc, nc, nr, pbuf, kc * nr);
                pb = pbuf;
                pstride = kc * nr;
            }
            float beta = pc == 0 ? x->beta : 1.0f;
            int last = pc + kc == x->k;
            for (size_t ic = i0; ic < i1; ic += mcb) {
                size_t mc = i1 - ic < mcb ? i1 - ic : mcb;
                if (!direct_a) pack_a(x->ta, x->a, x->lda, ic, mc, pc, kc, mr, pa);
                for (size_t jr = 0; jr < nc; jr += nr) {
                    size_t cols = nc - jr < (size_t)nr ? nc - jr : (size_t)nr;
                    const float *pbp = pb + (jr / nr) * pstride;
                    size_t ldpb = (size_t)nr;
                    if (direct) {
                        if (cols == (size_t)nr) {
                            pbp = x->b + pc * x->ldb + jc + jr;
                            ldpb = x->ldb;
                        } else {
                            pbp = pb;
                        }
                    }
                    for (size_t ir = 0; ir < mc; ir += mr) {
                        size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
                        const float *ap = direct_a ? x->a + (ic + ir) * x->lda + pc : pa + ir * kc;
                        tile(x, kc, ap, direct_a, pbp, ldpb, x->c + (ic + ir) * x->ldc + jc + jr,
                             rows, cols, beta, last && x->bias ? x->bias + jc + jr : NULL,
                             last ? x->act : DLK_ACT_NONE);
                    }
                }
            }
        }
    }
}

/* Batch 1: one row of A against B (unpacked: streamed GEMV; packed: panel by panel). */
static void row_product(const sg_ctx *x, size_t j0, size_t j1) {
    size_t incx = x->ta ? x->lda : 1;
    if (!x->packed) {
        if (!x->tb)
            x->K->gemv_n(j1 - j0, x->k, x->alpha, x->a, incx, x->b + j0, x->ldb, x->beta,
                         x->c + j0);
        else
            x->K->gemv_t(j1 - j0, x->k, x->alpha, x->a, incx, x->b + j0 * x->ldb, x->ldb,
                         x->beta, x->c + j0);
        epilogue_rows(x, 0, 1, j0, j1);
        return;
    }
    int nr = x->nr;
    float out[64] __attribute__((aligned(64)));
    for (size_t j = j0; j < j1; j += nr) {
        const float *panel = x->packed + (j / nr) * x->k * nr;
        if (x->K) {
            x->K->gemv_p(x->k, x->a, incx, panel, out);
        } else {
            for (int q = 0; q < nr; q++) out[q] = 0.0f;
            for (size_t p = 0; p < x->k; p++)
                for (int q = 0; q < nr; q++) out[q] += x->a[p * incx] * panel[p * nr + q];
        }
        size_t cols = j1 - j < (size_t)nr ? j1 - j : (size_t)nr;
        for (size_t q = 0; q < cols; q++) {
            float v = x->alpha * out[q];
            x->c[j + q] = x->beta == 0.0f ? v : v + x->beta * x->c[j + q];
        }
    }
    epilogue_rows(x, 0, 1, j0, j1);
}

static void sg_task(void *vctx, int t) {
    const sg_ctx *x = vctx;
    size_t lo = (size_t)t * x->chunk;
    size_t total = x->split_n ? x->n : x->m;
    if (lo >= total) return;
    size_t hi = lo + x->chunk < total ? lo + x->chunk : total;
    if (x->m == 1) row_product(x, lo, hi);
    else if (x->split_n) blocked(x, 0, x->m, lo, hi);
    else blocked(x, lo, hi, 0, x->n);
}

static void scale_c(size_t m, size_t n, float beta, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

static void run(sg_ctx *x, int threads) {
    double macs = (double)x->m * (double)x->n * (double)x->k;
    double bytes = ((double)x->m * x->k + (double)x->k * x->n + (double)x->m * x->n) * sizeof(float);
    threads = dlk_split_threads(threads, macs, bytes);
    size_t mr = (size_t)x->mr, nr = (size_t)x->nr;
    /* Split columns unless there are too few of them: each unit then packs its own part
     * of B and reads all of A. Units are whole tiles (64 columns for GEMV rows). */
    size_t ntiles = (x->n + nr - 1) / nr, mtiles = (x->m + mr - 1) / mr;
    x->split_n = x->m == 1 || ntiles >= 2 * (size_t)threads || ntiles >= mtiles;
    size_t unit = x->split_n ? (x->m == 1 && !x->packed ? 64 : nr) : mr;
    size_t total = x->split_n ? x->n : x->m;
    size_t units = (total + unit - 1) / unit;
    /* A GEMV over B's rows reads B fastest in long row pieces (each starts a stream the
     * prefetcher must ramp up on again): one piece per thread (8 of 128 columns instead of
     * 2 of 512 took 1×1024×1024 from 60 to 180 µs on 2 threads). */
    int streamed = x->m == 1 && !x->packed && !x->tb;
    /* Several pieces per thread (a helper that starts late still finds some) only where they
     * cost no extra packing: column pieces with A read in place. Row pieces each pack B. */
    int cheap = x->split_n && !x->ta && x->K;
    size_t tasks = cheap && !streamed ? (size_t)dlk_split_units(threads, macs, bytes, units) : (size_t)threads;
    if (tasks > units) tasks = units;
    x->chunk = (units + tasks - 1) / tasks * unit;
    tasks = (total + x->chunk - 1) / x->chunk;
    dlk_parallel_for(threads, (int)tasks, sg_task, x);
}

void dlk_sgemm_ex(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta,
                  float *c, size_t ldc, const float *bias, dlk_sgemm_act act, int threads) {
    if (m == 0 || n == 0) return;
    const dlk_sgemm_kernels *K = kernels_for(dlk_isa_active());
    sg_ctx x = {K, K->mr, K->nr, trans_a, trans_b, m, n, k, alpha, beta,
                a, b, lda, ldb, c, ldc, NULL, bias, (int)act, 0, 0};
    if (k == 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        epilogue_rows(&x, 0, m, 0, n);
        return;
    }
    run(&x, threads);
}

void dlk_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
               const float *a, size_t lda, const float *b, size_t ldb, float beta,
               float *c, size_t ldc, int threads) {
    dlk_sgemm_ex(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NULL,
                 DLK_ACT_NONE, threads);
}

size_t dlk_sgemm_packed_size(size_t k, size_t n) {
    /* Room for any panel width up to 64, so the size does not depend on the level. */
    return sizeof(packed_header) + (n + 64) * (k ? k : 1) * sizeof(float);
}

void dlk_sgemm_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb,
                      void *packed) {
    dlk_isa isa = dlk_isa_active();
    const dlk_sgemm_kernels *K = kernels_for(isa);
    packed_header *h = packed;
    memset(h, 0, sizeof *h);
    h->magic = PACKED_MAGIC;
    h->isa = (int32_t)isa;
    h->nr = K->nr;
    h->k = k;
    h->n = n;
    float *panels = (float *)((char *)packed + sizeof *h);
    if (k > 0 && n > 0) pack_b(K, trans_b, b, ldb, 0, k, 0, n, K->nr, panels, k * K->nr);
}

void dlk_sgemm_packed_ex(int trans_a, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const void *packed, float beta,
                         float *c, size_t ldc, const float *bias, dlk_sgemm_act act, int threads) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0.0f) {
        sg_ctx x = {NULL, 1, 1, 0, 0, m, n, k, alpha, beta, a, NULL, lda, 0, c, ldc, NULL,
                    bias, (int)act, 0, 0};
        scale_c(m, n, beta, c, ldc);
        epilogue_rows(&x, 0, m, 0, n);
        return;
    }
    const packed_header *h = packed;
    const float *panels = (const float *)((const char *)packed + sizeof *h);
    /* The layout's own kernels when the active level allows them, else the generic ones. */
    dlk_isa isa = (dlk_isa)h->isa;
    const dlk_sgemm_kernels *K = kernels_for(isa);
    int usable = dlk_isa_supported(isa) && isa <= dlk_isa_active() && K->nr == h->nr;
    sg_ctx x = {usable ? K : NULL, usable ? K->mr : 4, h->nr, trans_a, 0, m, n, k, alpha, beta,
                a, NULL, lda, 0, c, ldc, panels, bias, (int)act, 0, 0};
    run(&x, threads);
}

void dlk_sgemm_packed(int trans_a, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const void *packed, float beta,
                      float *c, size_t ldc, int threads) {
    dlk_sgemm_packed_ex(trans_a, m, n, k, alpha, a, lda, packed, beta, c, ldc, NULL,
                        DLK_ACT_NONE, threads);
}
