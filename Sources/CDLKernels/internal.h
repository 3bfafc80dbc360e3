/* Internal declarations shared by the CDLKernels translation units (not exported). */
#ifndef DLK_INTERNAL_H
#define DLK_INTERNAL_H
#include "dlk_kernels.h"
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(_M_X64)
#define DLK_X86 1
#endif
#if defined(__aarch64__)
#define DLK_ARM64 1
#endif

/* Fully unroll a loop with a constant trip count (register tiles must stay in registers). */
#if defined(__clang__)
#define DLK_UNROLL _Pragma("unroll")
#else
#define DLK_UNROLL _Pragma("GCC unroll 32")
#endif

#define DLK_ALIGN 64
void *dlk_kernels_aligned_alloc(size_t bytes);
void dlk_kernels_aligned_free(void *p);
/* This thread's scratch buffer number `slot` (0 or 1) of at least `bytes` (64-byte aligned,
 * reused between calls), or NULL. */
void *dlk_scratch(int slot, size_t bytes);

/* ---- fp32 ---- */

/* Microkernel: the full mr×nr tile AB = Σp pa[p·mr + r]·pb[p·ldpb + j] over kc steps, then
 * C = act(alpha·AB + beta·C + bias[j]) (beta == 0: C not read; bias NULL: none; act a
 * dlk_sgemm_act). pa is a packed panel; pb a packed panel (ldpb = nr) or B itself read in
 * place (ldpb = ldb). */
typedef void (*dlk_sgemm_ukr)(size_t kc, const float *pa, const float *pb, size_t ldpb,
                              float *c, size_t ldc, float alpha, float beta,
                              const float *bias, int act);

/* The epilogue on one value: v + *bias (bias not NULL), then the activation (x > 0 ? x : 0
 * for relu: NaN gives 0, as Relu.forward and Clip.forward). */
static inline float dlk_sgemm_epilogue_scalar(float v, const float *bias, int act) {
    if (bias) v += *bias;
    if (act == DLK_ACT_RELU) v = v > 0.0f ? v : 0.0f;
    else if (act == DLK_ACT_RELU6) { v = v > 0.0f ? v : 0.0f; v = v < 6.0f ? v : 6.0f; }
    return v;
}
/* y[0..n) = alpha·Σp x[p·incx]·B[p][j] + beta·y (B row-major, ldb). */
typedef void (*dlk_sgemv_n_fn)(size_t n, size_t k, float alpha, const float *x, size_t incx,
                               const float *b, size_t ldb, float beta, float *y);
/* y[j] = alpha·Σp x[p·incx]·B[j][p] + beta·y[j]  (B stored [n,k], ldb). */
typedef void (*dlk_sgemv_t_fn)(size_t n, size_t k, float alpha, const float *x, size_t incx,
                               const float *b, size_t ldb, float beta, float *y);

/* out[0..nr) = Σp x[p·incx]·pb[p·nr + j] over one packed panel of k rows. */
typedef void (*dlk_sgemv_p_fn)(size_t k, const float *x, size_t incx, const float *pb,
                               float *out);

typedef struct {
    int mr, nr;
    dlk_sgemm_ukr ukr;
    /* The first `rows` (< mr) rows of a panel, full nr columns. */
    void (*ukr_rows)(int rows, size_t kc, const float *pa, const float *pb, size_t ldpb,
                     float *c, size_t ldc, float alpha, float beta, const float *bias, int act);
    dlk_sgemv_n_fn gemv_n;
    dlk_sgemv_t_fn gemv_t;
    dlk_sgemv_p_fn gemv_p;
    /* Packs `cols` (≤ nr) rows of a transposed B, kc floats each from src + j·ldb, as one
     * panel dst[p·nr + j] (padding columns not written); NULL: the scalar loop. */
    void (*pack_bt)(const float *src, size_t ldb, size_t kc, size_t cols, int nr, float *dst);
    /* c[0..n) = act(c[j] + bias[j]) (bias may be NULL). */
    void (*epilogue_row)(size_t n, float *c, const float *bias, int act);
    /* ukr_rows (1 ≤ rows ≤ mr) on A read in place: A[r][p] = a[r·lda + p]. */
    void (*ukr_direct)(int rows, size_t kc, const float *a, size_t lda, const float *pb, size_t ldpb,
                       float *c, size_t ldc, float alpha, float beta, const float *bias, int act);
    /* ukr_direct on the first w columns of the panel only (for tiles at most w wide). */
    void (*ukr_direct_narrow)(int rows, size_t kc, const float *a, size_t lda, const float *pb,
                              size_t ldpb, float *c, size_t ldc, float alpha, float beta,
                              const float *bias, int act);
    int w;
} dlk_sgemm_kernels;
#ifdef DLK_X86
void dlk_sgemm_pack_bt_avx2(const float *src, size_t ldb, size_t kc, size_t cols, int nr,
                            float *dst);
#endif

extern const dlk_sgemm_kernels dlk_sgemm_portable;
#ifdef DLK_X86
extern const dlk_sgemm_kernels dlk_sgemm_avx2;
extern const dlk_sgemm_kernels dlk_sgemm_avx512;
#endif
#ifdef DLK_ARM64
extern const dlk_sgemm_kernels dlk_sgemm_neon;
#endif
/* Portable microkernel for any mr/nr (used when the active level is below a packed layout). */
void dlk_sgemm_ukr_generic(int mr, int nr, size_t kc, const float *pa, const float *pb,
                           float *c, size_t ldc, float alpha, float beta);

/* ---- int8 ---- */

/* Packed layouts: A panels of mr rows, B panels of nr columns; k in groups of 4 bytes.
 * pa[(g·mr + r)·4 + q] = a[r][4g+q] + a_shift (as uint8 when a_shift = 128),
 * pb[(g·nr + j)·4 + q] = w[4g+q][j]. Microkernel: acc[r][j] = Σ pa·pb over kg groups,
 * stored raw to an int32 tile acc (row stride nr). */
typedef void (*dlk_igemm_ukr)(size_t kg, const uint8_t *pa, const int8_t *pb, int32_t *acc);
/* The output stage over one row of a tile: v = acc[j] + offset[col0 + j] (offset = bias32 −
 * (shift + za)·colsum, wrapping), then stored per st->kind at crow[col0 + j], j < cols. */
typedef void (*dlk_igemm_finish)(size_t cols, const int32_t *acc, const int32_t *offset,
                                 const dlk_out_stage *st, size_t col0, void *crow);
void dlk_igemm_finish_portable(size_t cols, const int32_t *acc, const int32_t *offset,
                               const dlk_out_stage *st, size_t col0, void *crow);
#ifdef DLK_X86
void dlk_igemm_finish_avx512(size_t cols, const int32_t *acc, const int32_t *offset,
                             const dlk_out_stage *st, size_t col0, void *crow);
#endif

typedef struct {
    int mr, nr;
    int a_shift;          /* 128: A is stored as uint8 (a + 128); 0: as int8 */
    dlk_igemm_ukr ukr;    /* mr rows */
    dlk_igemm_ukr ukr1;   /* 1 row (GEMV); A packed with mr = 1 */
    dlk_igemm_finish finish;
} dlk_igemm_kernels;

extern const dlk_igemm_kernels dlk_igemm_portable;
#ifdef DLK_X86
extern const dlk_igemm_kernels dlk_igemm_avx2;
extern const dlk_igemm_kernels dlk_igemm_avxvnni;
extern const dlk_igemm_kernels dlk_igemm_avx512;
extern const dlk_igemm_kernels dlk_igemm_vnni;
#endif
#ifdef DLK_ARM64
extern const dlk_igemm_kernels dlk_igemm_neon;
extern const dlk_igemm_kernels dlk_igemm_dotprod;
#endif
void dlk_igemm_ukr_generic(int mr, int nr, int a_shift, size_t kg, const uint8_t *pa,
                           const int8_t *pb, int32_t *acc);

#endif
