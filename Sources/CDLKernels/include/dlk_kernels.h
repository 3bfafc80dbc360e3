/* CDLKernels: SIMD microkernels behind DLKernels. Internal: not part of the C ABI.
 *
 * Every entry point dispatches at run time on the CPU's features (dlk_isa_active), so one
 * build runs on any x86-64 (down to the portable C path) and never executes an instruction
 * the CPU lacks. Kernels own no memory beyond per-call scratch, validate nothing (the caller
 * has), and take their thread count from the caller: 1 means exactly one thread.
 * The Swift references in Sources/DLKernels/Reference are the specification of these paths.
 */
#ifndef DLK_KERNELS_H
#define DLK_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Instruction-set dispatch ------------------------------------------------------------ */

/* Which instruction-set level the dispatcher uses (highest the CPU has, unless forced). */
typedef enum {
    DLK_ISA_PORTABLE = 0,
    DLK_ISA_AVX2 = 1,         /* AVX2 + FMA */
    DLK_ISA_AVX_VNNI = 2,     /* AVX2 + FMA + AVX-VNNI (256-bit vpdpbusd: Alder Lake, Intel N100, Zen 5...) */
    DLK_ISA_AVX512 = 3,       /* AVX-512 F/BW/VL/DQ */
    DLK_ISA_AVX512_VNNI = 4,  /* AVX-512 + VNNI (vpdpbusd) */
    DLK_ISA_NEON = 10,        /* aarch64 Advanced SIMD */
    DLK_ISA_NEON_DOTPROD = 11,/* aarch64 + sdot */
} dlk_isa;

/* Levels are ordered by what their kernels use; a CPU need not have every level below its
 * best (AVX-512 CPUs before Sapphire Rapids lack AVX-VNNI): dlk_isa_supported says which. */
/* The highest level this CPU (and OS) supports. */
dlk_isa dlk_isa_detected(void);
/* The level kernels use now: dlk_isa_detected(), lowered by the DLPK_ISA environment variable
 * (portable|avx2|avxvnni|avx512|vnni|neon|dotprod, read once) or by dlk_isa_force. */
dlk_isa dlk_isa_active(void);
/* Forces a level for all later calls. Returns 0, or -1 (and changes nothing) when the CPU
 * lacks that level. dlk_isa_reset() returns to the detected level. Not meant to be called
 * while kernels run on other threads. */
int dlk_isa_force(dlk_isa isa);
void dlk_isa_reset(void);
/* Re-reads DLPK_ISA now: the detected level, lowered by the variable if it names one. */
void dlk_isa_reset_from_environment(void);
/* 1 when the CPU can run kernels of this level. */
int dlk_isa_supported(dlk_isa isa);
/* "portable", "avx2", "avxvnni", "avx512", "vnni", "neon", "dotprod". */
const char *dlk_isa_name(dlk_isa isa);

/* ---- Threads ------------------------------------------------------------------------------ */

/* Runs fn(ctx, t) for t in 0..<tasks on up to `threads` threads (the caller is one of them)
 * and returns when all are done. threads <= 1 runs everything on the calling thread and never
 * starts a helper. Tasks are claimed one at a time (tasks > 65535: in 65535 contiguous runs),
 * the caller claiming too, so the call never waits for a helper to arrive, only for tasks a
 * helper has started. Helpers are started once and kept; after a call they look for the next
 * one for at most DLPK_THREAD_POLL_US microseconds (default 50; 0 = never), yielding the CPU
 * as they do, and then sleep. Safe to call from several threads at once: one caller gets the
 * pool, the others run their call on their own thread. Split work with dlk_split_threads. */
void dlk_parallel_for(int threads, int tasks, void (*fn)(void *ctx, int task), void *ctx);

/* The one split rule. The threads (at most `threads`) worth using for work of `macs` fp32
 * multiply-adds (count an int8 one as a quarter) that streams `bytes` of memory: each must get
 * a share worth more than handing it over costs (about 8 µs on one core), so small work
 * stays on the calling thread (1). */
int dlk_split_threads(int threads, double macs, double bytes);
/* Units to cut that work into for `threads` threads (from dlk_split_threads): a few per thread,
 * so that a helper that starts late still finds some, none below the minimum share, at least
 * `threads`, at most `max_units`. */
int dlk_split_units(int threads, double macs, double bytes, size_t max_units);

/* ---- fp32 GEMM ---------------------------------------------------------------------------- */

/* C = alpha·op(A)·op(B) + beta·C, row-major. op(A) is [m,k] (A is [k,m] when trans_a),
 * op(B) is [k,n] (B is [n,k] when trans_b); lda/ldb/ldc are row strides in elements.
 * beta == 0 never reads C (NaN in C does not propagate). */
void dlk_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
               const float *a, size_t lda, const float *b, size_t ldb, float beta,
               float *c, size_t ldc, int threads);

/* What is applied to each element of C after the product (and the bias) in the _ex calls. */
typedef enum {
    DLK_ACT_NONE = 0,
    DLK_ACT_RELU = 1,    /* x > 0 ? x : 0 (NaN gives 0) */
    DLK_ACT_RELU6 = 2,   /* min(max(x, 0), 6), NaN gives 0 */
} dlk_sgemm_act;

/* C = act(alpha·op(A)·op(B) + beta·C + bias), bias [n] added to every row (NULL: none), as
 * one pass: the bias and the activation are applied as each tile of C is stored. */
void dlk_sgemm_ex(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta,
                  float *c, size_t ldc, const float *bias, dlk_sgemm_act act, int threads);

/* Memory for weights: `bytes` (at least 1) aligned to 64, or NULL when out of memory.
 * Buffers of 2 MiB and more are aligned to 2 MiB and advised onto transparent huge pages
 * (Linux), which saves the TLB misses of streaming them. Free with dlk_weights_free. */
void *dlk_weights_alloc(size_t bytes);
void dlk_weights_free(void *p);

/* Prepacked B (weights packed once at load). The buffer is opaque, 64-byte aligned by the
 * caller, dlk_sgemm_packed_size(k, n) bytes; it records the kernel layout chosen at packing.
 * A level forced lower after packing is honoured (a portable path reads any layout). */
size_t dlk_sgemm_packed_size(size_t k, size_t n);
void dlk_sgemm_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed);
void dlk_sgemm_packed(int trans_a, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const void *packed, float beta,
                      float *c, size_t ldc, int threads);
/* dlk_sgemm_packed with dlk_sgemm_ex's epilogue. */
void dlk_sgemm_packed_ex(int trans_a, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const void *packed, float beta,
                         float *c, size_t ldc, const float *bias, dlk_sgemm_act act, int threads);

/* ---- int8 GEMM ---------------------------------------------------------------------------- */

/* What happens to the int32 accumulator acc[i][j] = Σp (a[i][p] − a_zero_point)·w[p][j]
 * (weights symmetric: zero point 0) before it is stored. */
typedef enum {
    DLK_OUT_INT32 = 0,     /* c32 = acc + bias32[j] */
    DLK_OUT_REQUANT = 1,   /* c8 = clamp(round_half_even(float(acc + bias32[j]) · scale[j]),
                              qmin − zp, qmax − zp) + zp   (float scale, the ONNX rule) */
    DLK_OUT_DEQUANT = 2,   /* c32f = act(float(acc + bias32[j]) · scale[j] + bias_f[j]) */
} dlk_out_kind;

typedef struct {
    dlk_out_kind kind;
    const int32_t *bias32;   /* [n] or NULL */
    const float *scale;      /* [n] when per_channel, else [1]; REQUANT and DEQUANT */
    int per_channel;
    const float *bias_f;     /* [n] or NULL; DEQUANT */
    int32_t zero_point;      /* REQUANT: output zero point */
    int32_t qmin, qmax;      /* REQUANT: clamp range of the stored value, e.g. -128, 127 */
    dlk_sgemm_act act;       /* DEQUANT: none, relu or relu6 (NaN becomes 0, as Relu); last, so
                                that initializers written before it existed keep their meaning */
} dlk_out_stage;

/* Packs int8 weights W (op(B) = W is [k,n]; stored [n,k] when trans_b) with their column sums.
 * Buffer: dlk_igemm_packed_size(k, n) bytes, 64-byte aligned. */
size_t dlk_igemm_packed_size(size_t k, size_t n);
void dlk_igemm_pack_b(int trans_b, size_t k, size_t n, const int8_t *b, size_t ldb, void *packed);

/* out[i][j] = stage(Σp (a[i][p] − a_zero_point)·W[p][j]); A is int8 [m,k] row-major.
 * c points to int32, int8 or float elements according to stage->kind; ldc in elements. */
void dlk_igemm_packed(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                      int32_t a_zero_point, const void *packed, const dlk_out_stage *stage,
                      void *c, size_t ldc, int threads);

/* ---- Quantize / dequantize (the rules of DLKernels/Quantize.swift, bit-exact) ---------- */

/* y[i] = clamp(round_half_even(x[i] / scale), qmin − zp, qmax − zp) + zp; NaN gives zp. */
void dlk_quantize_s8(size_t n, const float *x, float scale, int32_t zero_point, int32_t qmin,
                     int32_t qmax, int8_t *y);
/* y[i] = float(x[i] − zp) · scale. */
void dlk_dequantize_s8(size_t n, const int8_t *x, float scale, int32_t zero_point, float *y);
/* The uint8 forms (asymmetric activations as ONNX's QuantizeLinear writes them; 0 ≤ qmin ≤ qmax ≤ 255). */
void dlk_quantize_u8(size_t n, const float *x, float scale, int32_t zero_point, int32_t qmin,
                     int32_t qmax, uint8_t *y);
void dlk_dequantize_u8(size_t n, const uint8_t *x, float scale, int32_t zero_point, float *y);
/* The smallest and largest of x[0..n) ignoring NaN (both 0 when n is 0 or all are NaN): the
 * range a dynamic-range layer quantizes its input to on every call. */
void dlk_minmax_f32(size_t n, const float *x, float *min_out, float *max_out);

#ifdef __cplusplus
}
#endif
#endif
