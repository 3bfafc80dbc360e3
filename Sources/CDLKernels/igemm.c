/* int8 GEMM driver: weight packing (with column sums), activation packing, the output stages
 * (int32, requantize to int8, dequantize to fp32) and the split across threads. The Swift
 * reference in DLKernels/Reference/GemmInt8Reference.swift is the spec: results here are
 * bit-exact with it at every level.
 *
 * VNNI multiplies uint8 by int8, so A is stored shifted by +128 (as uint8) and the shift is
 * taken back out with the weights' column sums:
 *   Σp (a − za)·w = Σp (a + 128)·w − (128 + za)·colsum(w).
 * Integer arithmetic wraps (unsigned) like the hardware; the true result fits in int32
 * whenever |Σ (a − za)·w| does. */
#include "internal.h"
#include <string.h>

/* Multiply-then-add stays two roundings, as in the Swift reference (no FMA contraction). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

enum { MC_TARGET = 192 };

#define PACKED_MAGIC 0x38504B44u /* "DKP8" */
typedef struct {
    uint32_t magic;
    int32_t isa;
    int32_t nr;
    int32_t reserved;
    uint64_t k, n, kg;
    uint8_t pad[24];
} packed_header;
_Static_assert(sizeof(packed_header) == 64, "packed header keeps panels 64-byte aligned");

static size_t colsum_bytes(size_t n) { return ((n + 64) * sizeof(int32_t) + 63) / 64 * 64; }

static const dlk_igemm_kernels *kernels_for(dlk_isa isa) {
    switch (isa) {
#ifdef DLK_X86
    case DLK_ISA_AVX2: return &dlk_igemm_avx2;
    case DLK_ISA_AVX_VNNI: return &dlk_igemm_avxvnni;
    case DLK_ISA_AVX512: return &dlk_igemm_avx512;
    case DLK_ISA_AVX512_VNNI: return &dlk_igemm_vnni;
#endif
#ifdef DLK_ARM64
    case DLK_ISA_NEON: return &dlk_igemm_neon;
    case DLK_ISA_NEON_DOTPROD: return &dlk_igemm_dotprod;
#endif
    default: return &dlk_igemm_portable;
    }
}

size_t dlk_igemm_packed_size(size_t k, size_t n) {
    size_t kg = (k + 3) / 4;
    return sizeof(packed_header) + colsum_bytes(n) + (n + 64) * (kg ? kg : 1) * 4;
}

void dlk_igemm_pack_b(int trans_b, size_t k, size_t n, const int8_t *b, size_t ldb,
                      void *packed) {
    dlk_isa isa = dlk_isa_active();
    const dlk_igemm_kernels *K = kernels_for(isa);
    size_t nr = (size_t)K->nr, kg = (k + 3) / 4;
    packed_header *h = packed;
    memset(h, 0, sizeof *h);
    h->magic = PACKED_MAGIC;
    h->isa = (int32_t)isa;
    h->nr = (int32_t)nr;
    h->k = k;
    h->n = n;
    h->kg = kg;
    int32_t *colsum = (int32_t *)((char *)packed + sizeof *h);
    int8_t *panels = (int8_t *)colsum + colsum_bytes(n);
    size_t npanels = (n + nr - 1) / nr;
    for (size_t q = 0; q < npanels; q++) {
        int8_t *dst = panels + q * kg * nr * 4;
        for (size_t j = 0; j < nr; j++) {
            size_t col = q * nr + j;
            int32_t sum = 0;
            for (size_t p = 0; p < kg * 4; p++) {
                int8_t w = 0;
                if (col < n && p < k) w = trans_b ? b[col * ldb + p] : b[p * ldb + col];
                dst[((p / 4) * nr + j) * 4 + p % 4] = w;
                sum += w;
            }
            if (col < n) colsum[col] = sum;
        }
    }
}

/* ---- the product over one range ---- */

typedef struct {
    const dlk_igemm_kernels *K;  /* NULL: the generic microkernel with mr × nr */
    int mr, nr, shift;
    size_t m, n, k, kg;
    const int8_t *a;
    size_t lda;
    int32_t za;
    const int8_t *panels;
    const int32_t *offset;   /* [n]: bias32 − (shift + za)·colsum */
    dlk_igemm_finish finish;
    const dlk_out_stage *st;
    void *c;
    size_t ldc;
    int split_n;
    size_t chunk;
} ig_ctx;

/* A rows [i0, i0 + rows) into one panel of mr rows: pa[(g·mr + r)·4 + q], shifted.
 * Whole groups move as 32-bit words (a + 128 as uint8 is a with its top bit flipped). */
static void pack_a(const ig_ctx *x, size_t i0, size_t rows, int mr, uint8_t *pa) {
    size_t k = x->k, kg = x->kg, full = k / 4;
    uint32_t flip = x->shift ? 0x80808080u : 0;
    for (size_t r = 0; r < (size_t)mr; r++) {
        uint8_t *dst = pa + r * 4;
        if (r >= rows) {
            for (size_t g = 0; g < kg; g++) memcpy(dst + g * mr * 4, &flip, 4);
            continue;
        }
        const int8_t *src = x->a + (i0 + r) * x->lda;
        for (size_t g = 0; g < full; g++) {
            uint32_t w;
            memcpy(&w, src + g * 4, 4);
            w ^= flip;
            memcpy(dst + g * mr * 4, &w, 4);
        }
        if (full < kg) {
            uint8_t tail[4];
            for (size_t q = 0; q < 4; q++)
                tail[q] = (uint8_t)((full * 4 + q < k ? (uint8_t)src[full * 4 + q] : 0) ^ (uint8_t)flip);
            memcpy(dst + full * mr * 4, tail, 4);
        }
    }
}

/* Plain loops needing no memory (beyond the caller's offsets), for when packing buffers
 * cannot be had: the raw (shifted) sums, then the same output stage. */
static void unpacked(const ig_ctx *x, size_t i0, size_t i1, size_t j0, size_t j1) {
    size_t nr = (size_t)x->nr;
    for (size_t i = i0; i < i1; i++) {
        void *crow = x->st->kind == DLK_OUT_REQUANT ? (void *)((int8_t *)x->c + i * x->ldc)
                                                    : (void *)((int32_t *)x->c + i * x->ldc);
        for (size_t j = j0; j < j1; j++) {
            const int8_t *panel = x->panels + (j / nr) * x->kg * nr * 4;
            uint32_t acc = 0;
            for (size_t p = 0; p < x->k; p++) {
                int32_t a = (int32_t)x->a[i * x->lda + p] + x->shift;
                int32_t w = panel[((p / 4) * nr + j % nr) * 4 + p % 4];
                acc += (uint32_t)(a * w);
            }
            int32_t raw = (int32_t)acc;
            dlk_igemm_finish_portable(1, &raw, x->offset, x->st, j, crow);
        }
    }
}

/* Column `jj` of the panel at x->panels, all m rows, through the stage at column 0. */
static void unpacked_column(const ig_ctx *x, size_t jj, size_t m) {
    size_t nr = (size_t)x->nr;
    for (size_t i = 0; i < m; i++) {
        uint32_t acc = 0;
        for (size_t p = 0; p < x->k; p++) {
            int32_t a = (int32_t)x->a[i * x->lda + p] + x->shift;
            acc += (uint32_t)(a * (int32_t)x->panels[((p / 4) * nr + jj) * 4 + p % 4]);
        }
        int32_t raw = (int32_t)acc;
        size_t elem = x->st->kind == DLK_OUT_REQUANT ? 1 : 4;
        dlk_igemm_finish_portable(1, &raw, x->offset, x->st, 0, (char *)x->c + i * x->ldc * elem);
    }
}

static void ig_range(const ig_ctx *x, size_t i0, size_t i1, size_t j0, size_t j1) {
    int single = x->m == 1;
    int mr = single ? 1 : x->mr, nr = x->nr;
    size_t mcb = single ? 1 : (MC_TARGET / mr) * mr;
    size_t kg = x->kg;
    uint8_t *pa = dlk_scratch(0, mcb * kg * 4);
    if (!pa) {   /* out of memory for packing: still the right answer, slowly */
        unpacked(x, i0, i1, j0, j1);
        return;
    }
    int32_t acc[32 * 64] __attribute__((aligned(64)));
    for (size_t ic = i0; ic < i1; ic += mcb) {
        size_t mc = i1 - ic < mcb ? i1 - ic : mcb;
        for (size_t ir = 0; ir < mc; ir += mr) {
            size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
            pack_a(x, ic + ir, rows, mr, pa + ir * kg * 4);
        }
        for (size_t j = j0; j < j1; j += nr) {
            size_t cols = j1 - j < (size_t)nr ? j1 - j : (size_t)nr;
            const int8_t *pb = x->panels + (j / nr) * kg * nr * 4;
            for (size_t ir = 0; ir < mc; ir += mr) {
                size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
                const uint8_t *pap = pa + ir * kg * 4;
                if (x->K) (single ? x->K->ukr1 : x->K->ukr)(kg, pap, pb, acc);
                else dlk_igemm_ukr_generic(mr, nr, x->shift, kg, pap, pb, acc);
                for (size_t r = 0; r < rows; r++) {
                    size_t i = ic + ir + r;
                    void *crow = x->st->kind == DLK_OUT_REQUANT ? (void *)((int8_t *)x->c + i * x->ldc)
                                                                : (void *)((int32_t *)x->c + i * x->ldc);
                    x->finish(cols, acc + r * nr, x->offset, x->st, j, crow);
                }
            }
        }
    }
}

static void ig_task(void *vctx, int t) {
    const ig_ctx *x = vctx;
    size_t lo = (size_t)t * x->chunk, total = x->split_n ? x->n : x->m;
    if (lo >= total) return;
    size_t hi = lo + x->chunk < total ? lo + x->chunk : total;
    if (x->split_n) ig_range(x, 0, x->m, lo, hi);
    else ig_range(x, lo, hi, 0, x->n);
}

void dlk_igemm_packed(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                      int32_t a_zero_point, const void *packed, const dlk_out_stage *stage,
                      void *c, size_t ldc, int threads) {
    if (m == 0 || n == 0) return;
    const packed_header *h = packed;
    dlk_isa isa = (dlk_isa)h->isa;
    const dlk_igemm_kernels *K = kernels_for(isa);
    int usable = dlk_isa_supported(isa) && isa <= dlk_isa_active() && K->nr == h->nr;
    ig_ctx x;
    memset(&x, 0, sizeof x);
    x.K = usable ? K : NULL;
    x.mr = usable ? K->mr : 4;
    x.nr = h->nr;
    x.shift = usable ? K->a_shift : 128;
    x.m = m; x.n = n; x.k = k; x.kg = h->kg;
    x.a = a; x.lda = lda; x.za = a_zero_point;
    const int32_t *colsum = (const int32_t *)((const char *)packed + sizeof *h);
    x.panels = (const int8_t *)colsum + colsum_bytes(h->n);
    x.st = stage; x.c = c; x.ldc = ldc;
    x.finish = usable ? K->finish : dlk_igemm_finish_portable;
    /* The per-column constant, once per call (wrapping arithmetic, see the top). */
    int32_t *offset = dlk_scratch(1, n * sizeof(int32_t));
    uint32_t corr = (uint32_t)x.shift + (uint32_t)a_zero_point;
    if (!offset) {   /* out of memory: one column at a time, no buffers */
        for (size_t j = 0; j < n; j++) {
            int32_t off = (int32_t)((stage->bias32 ? (uint32_t)stage->bias32[j] : 0u) -
                                    corr * (uint32_t)colsum[j]);
            dlk_out_stage one = *stage;   /* the stage seen from column j */
            if (one.per_channel) one.scale += j;
            if (one.bias_f) one.bias_f += j;
            ig_ctx xj = x;
            xj.offset = &off;
            xj.st = &one;
            size_t elem = stage->kind == DLK_OUT_REQUANT ? 1 : 4;
            xj.c = (char *)c + j * elem;
            xj.n = 1;
            xj.panels = x.panels + (j / x.nr) * x.kg * x.nr * 4;
            unpacked_column(&xj, j % (size_t)x.nr, m);
        }
        return;
    }
    for (size_t j = 0; j < n; j++)
        offset[j] = (int32_t)((stage->bias32 ? (uint32_t)stage->bias32[j] : 0u) - corr * (uint32_t)colsum[j]);
    x.offset = offset;

    /* An int8 multiply-add costs about a quarter of an fp32 one; a batch-1 product is
     * bound by streaming the weights (1×1024×1024: 1 MB in ~9 µs on one core). */
    double macs = (double)m * n * k / 4, bytes = (double)m * k + (double)k * n + (double)m * n * 4;
    threads = dlk_split_threads(threads, macs, bytes);
    size_t nr = (size_t)x.nr, mr = (size_t)x.mr;
    size_t ntiles = (n + nr - 1) / nr, mtiles = (m + mr - 1) / mr;
    x.split_n = m == 1 || ntiles >= 2 * (size_t)threads || ntiles >= mtiles;
    size_t unit = x.split_n ? nr : mr, total = x.split_n ? n : m;
    size_t units = (total + unit - 1) / unit;
    /* Each piece packs all of its rows of A: several per thread only at batch 1, where that
     * is one row (they balance a helper that starts late). */
    size_t tasks = m == 1 ? (size_t)dlk_split_units(threads, macs, bytes, units) : (size_t)threads;
    if (tasks > units) tasks = units;
    x.chunk = (units + tasks - 1) / tasks * unit;
    tasks = (total + x.chunk - 1) / x.chunk;
    dlk_parallel_for(threads, (int)tasks, ig_task, &x);
}
