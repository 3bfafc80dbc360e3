/* The direct convolution of dlk_conv.h: tables, weight packing, the portable kernels, the
 * vector tiles of conv_direct_template.h per level, and the split across threads.
 *
 * int8 follows the int8 GEMM's trick (igemm.c): the input is stored as uint8 x + 128 so that
 * vpdpbusd multiplies it by the int8 weights; taps in the padding read x_zero_point + 128, so
 * every tap of every pixel contributes, and Σ (x − zx)·w = Σ (x + 128)·w − (128 + zx)·colsum(w)
 * holds with one constant per channel (the caller's `offset`). Wrapping int32 arithmetic as in
 * the reference. */
#include "internal.h"
#include "dlk_conv.h"
#include <string.h>

/* Multiply-then-add stays two roundings in the int8 output stage (as the reference). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

typedef struct {
    const dlk_dconv_geometry *g;
    size_t G;          /* output pixels per channel: oh·iw */
    size_t in_plane;   /* ih·iw */
    size_t k;          /* fp32: in_c·taps; int8: cin4·taps */
    size_t cin4;
    /* fp32 */
    const float *wf, *bias;
    int act;
    /* int8 */
    const int8_t *ws;
    const int32_t *offset;
    const float *mult;
    int32_t pad32, zp;
    float lo, hi;
} dconv_ctx;

static inline uint32_t mask_bits(const dconv_ctx *c, size_t q, size_t s) {
    return (uint32_t)c->g->masks[(q >> 4) * c->g->taps + s] >> (q & 15);
}

/* Lanes of the vector at pixel q that exist (the plane ends at G). */
static inline uint32_t valid_bits(const dconv_ctx *c, size_t q) {
    size_t n = c->G - q;
    return n >= 16 ? 0xffffu : (1u << n) - 1;
}

size_t dlk_dconv_mask_count(size_t oh, size_t iw, size_t taps) { return (oh * iw + 15) / 16 * taps; }

void dlk_dconv_tables(size_t ih, size_t iw, size_t oh, size_t kh, size_t kw, size_t pad_top,
                      size_t pad_left, size_t dilation_h, size_t dilation_w, int32_t *offsets,
                      uint16_t *masks) {
    size_t taps = kh * kw, G = oh * iw;
    for (size_t s = 0; s < taps; s++) {
        ptrdiff_t dy = (ptrdiff_t)((s / kw) * dilation_h) - (ptrdiff_t)pad_top;
        ptrdiff_t dx = (ptrdiff_t)((s % kw) * dilation_w) - (ptrdiff_t)pad_left;
        offsets[s] = (int32_t)(dy * (ptrdiff_t)iw + dx);
    }
    for (size_t b = 0; b < (G + 15) / 16; b++)
        for (size_t s = 0; s < taps; s++) {
            ptrdiff_t dy = (ptrdiff_t)((s / kw) * dilation_h) - (ptrdiff_t)pad_top;
            ptrdiff_t dx = (ptrdiff_t)((s % kw) * dilation_w) - (ptrdiff_t)pad_left;
            uint16_t m = 0;
            for (size_t l = 0; l < 16; l++) {
                size_t q = b * 16 + l;
                if (q >= G) break;
                ptrdiff_t iy = (ptrdiff_t)(q / iw) + dy, ix = (ptrdiff_t)(q % iw) + dx;
                if (iy >= 0 && iy < (ptrdiff_t)ih && ix >= 0 && ix < (ptrdiff_t)iw) m |= (uint16_t)(1u << l);
            }
            masks[b * taps + s] = m;
        }
}

/* ---- packing ---- */

size_t dlk_dconv_f32_packed_count(size_t out_c, size_t k) { return (out_c + 7) / 8 * k * 8; }

void dlk_dconv_f32_pack(size_t out_c, size_t in_c, size_t taps, const float *w, float *packed) {
    size_t k = in_c * taps;
    for (size_t ob = 0; ob < (out_c + 7) / 8; ob++)
        for (size_t s = 0; s < taps; s++)
            for (size_t ci = 0; ci < in_c; ci++)
                for (size_t o = 0; o < 8; o++) {
                    size_t oc = ob * 8 + o;
                    packed[(ob * k + s * in_c + ci) * 8 + o] = oc < out_c ? w[(oc * in_c + ci) * taps + s] : 0.0f;
                }
}

size_t dlk_dconv_s8_packed_size(size_t out_c, size_t in_c, size_t taps) {
    return (out_c + 7) / 8 * ((in_c + 3) / 4) * taps * 32;
}

void dlk_dconv_s8_pack(size_t out_c, size_t in_c, size_t taps, const int8_t *w, int8_t *packed,
                       int32_t *colsum) {
    size_t cin4 = (in_c + 3) / 4;
    for (size_t oc = 0; oc < out_c; oc++) {
        int32_t sum = 0;
        for (size_t p = 0; p < in_c * taps; p++) sum += w[oc * in_c * taps + p];
        colsum[oc] = sum;
    }
    for (size_t ob = 0; ob < (out_c + 7) / 8; ob++)
        for (size_t cg = 0; cg < cin4; cg++)
            for (size_t s = 0; s < taps; s++)
                for (size_t o = 0; o < 8; o++)
                    for (size_t i = 0; i < 4; i++) {
                        size_t oc = ob * 8 + o, ci = cg * 4 + i;
                        int8_t v = oc < out_c && ci < in_c ? w[(oc * in_c + ci) * taps + s] : 0;
                        packed[(((ob * taps + s) * cin4 + cg) * 8 + o) * 4 + i] = v;
                    }
}

/* One image regrouped: x4[(cg·plane + p)·4 + i] = x[(4cg + i)·plane + p] + 128 (as uint8). */
static void regroup(const int8_t *x, size_t in_c, size_t plane, uint8_t *x4) {
    size_t cin4 = (in_c + 3) / 4;
    for (size_t cg = 0; cg < cin4; cg++) {
        uint8_t *dst = x4 + cg * plane * 4;
        size_t c0 = cg * 4;
        if (c0 + 4 <= in_c) {
            const int8_t *a = x + c0 * plane, *b = a + plane, *c = b + plane, *d = c + plane;
            for (size_t p = 0; p < plane; p++) {
                uint32_t v = (uint32_t)(uint8_t)a[p] | (uint32_t)(uint8_t)b[p] << 8 |
                             (uint32_t)(uint8_t)c[p] << 16 | (uint32_t)(uint8_t)d[p] << 24;
                v ^= 0x80808080u;
                memcpy(dst + p * 4, &v, 4);
            }
        } else {
            for (size_t p = 0; p < plane; p++)
                for (size_t i = 0; i < 4; i++)
                    dst[p * 4 + i] = c0 + i < in_c ? (uint8_t)(x[(c0 + i) * plane + p] ^ (int8_t)0x80) : 0;
        }
    }
}

/* ---- portable: one pixel at a time ---- */

static inline float activate(float v, int act) {
    if (act == 1) return v > 0 ? v : 0;
    if (act == 2) return v > 0 ? (v < 6 ? v : 6) : 0;
    return v;
}

static void f32_range_portable(const dconv_ctx *c, const float *x, float *y, size_t q_begin, size_t q_end) {
    const dlk_dconv_geometry *g = c->g;
    for (size_t oc = 0; oc < g->out_c; oc++) {
        const float *wp = c->wf + (oc / 8) * c->k * 8 + oc % 8;
        for (size_t q = q_begin; q < q_end; q++) {
            float acc = c->bias ? c->bias[oc] : 0.0f;
            for (size_t s = 0; s < g->taps; s++)
                for (size_t ci = 0; ci < g->in_c; ci++)
                    if (mask_bits(c, q, s) & 1)
                        acc += wp[(s * g->in_c + ci) * 8] * x[ci * c->in_plane + q + (ptrdiff_t)g->offsets[s]];
            y[oc * c->G + q] = activate(acc, c->act);
        }
    }
}

static inline int8_t requantize(int32_t acc, int32_t offset, float mult, float lo, float hi, int32_t zp) {
    float v = (float)(int32_t)((uint32_t)acc + (uint32_t)offset) * mult;
    v = v < lo ? lo : (v > hi ? hi : v);
    const float magic = 12582912.0f;   /* round half to even: |v| <= 255 here */
    return (int8_t)((int32_t)((v + magic) - magic) + zp);
}

static void s8_range_portable(const dconv_ctx *c, const uint8_t *x4, int8_t *y, size_t q_begin, size_t q_end) {
    const dlk_dconv_geometry *g = c->g;
    const uint8_t *pad = (const uint8_t *)&c->pad32;
    for (size_t oc = 0; oc < g->out_c; oc++) {
        for (size_t q = q_begin; q < q_end; q++) {
            uint32_t acc = 0;
            for (size_t cg = 0; cg < c->cin4; cg++)
                for (size_t s = 0; s < g->taps; s++) {
                    const int8_t *w = c->ws + ((((oc / 8) * g->taps + s) * c->cin4 + cg) * 8 + oc % 8) * 4;
                    const uint8_t *xv = mask_bits(c, q, s) & 1
                        ? x4 + (cg * c->in_plane + q + (ptrdiff_t)g->offsets[s]) * 4 : pad;
                    for (size_t i = 0; i < 4; i++) acc += (uint32_t)((int32_t)xv[i] * (int32_t)w[i]);
                }
            y[oc * c->G + q] = requantize((int32_t)acc, c->offset[oc], c->mult[oc], c->lo, c->hi, c->zp);
        }
    }
}

/* ---- vector levels ---- */

#ifdef DLK_X86
#include <immintrin.h>
#include "dot4_x86.h"

/* AVX-512: 16 pixels per vector, tiles of 8 channels × 48 pixels (24 accumulators). */
#define L 16
#define NVMAX 3
#define VF __m512
#define VI __m512i
#define MT __mmask16
#define MASK(bits) ((__mmask16)(bits))
#define LOADF(p, m) _mm512_maskz_loadu_ps((m), (p))
#define LOADI(p, m, pad) _mm512_mask_loadu_epi32((pad), (m), (const void *)(p))
#define SETF(x) _mm512_set1_ps(x)
#define SETI(x) _mm512_set1_epi32(x)
#define ZEROF() _mm512_setzero_ps()
#define ZEROI() _mm512_setzero_si512()
#define FMA(a, b, acc) _mm512_fmadd_ps((a), (b), (acc))
#define ACTF(v, kind) ((kind) == 0 ? (v) : (kind) == 1 ? _mm512_max_ps((v), _mm512_setzero_ps()) \
                       : _mm512_min_ps(_mm512_max_ps((v), _mm512_setzero_ps()), _mm512_set1_ps(6.0f)))
#define STOREF(p, v, m) _mm512_mask_storeu_ps((p), (m), (v))
/* The igemm output stage's operations in its order (cvtdq2ps, mul, max, min, cvtps2dq). */
#define REQ_STORE(p, acc, off, mult, lo, hi, zp, m) do {                                        \
        __m512 y_ = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32((acc), _mm512_set1_epi32(off))), \
                                  _mm512_set1_ps(mult));                                        \
        y_ = _mm512_min_ps(_mm512_max_ps(y_, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));         \
        __m512i q_ = _mm512_add_epi32(_mm512_cvtps_epi32(y_), _mm512_set1_epi32(zp));           \
        _mm512_mask_cvtsepi32_storeu_epi8((p), (m), q_);                                        \
    } while (0)

#define T __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#define NAME(x) x##_vnni
#define VDOT(acc, x, w) _mm512_dpbusd_epi32((acc), (x), (w))
#include "conv_direct_template.h"
#undef T
#undef NAME
#undef VDOT

#define T __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
#define NAME(x) x##_avx512
#define VDOT(acc, x, w) dlk_dot4_avx512bw((acc), (x), (w))
#include "conv_direct_template.h"
#undef T
#undef NAME
#undef VDOT
#undef L
#undef NVMAX
#undef VF
#undef VI
#undef MT
#undef MASK
#undef LOADF
#undef LOADI
#undef SETF
#undef SETI
#undef ZEROF
#undef ZEROI
#undef FMA
#undef ACTF
#undef STOREF
#undef REQ_STORE

/* AVX2: 8 pixels per vector, tiles of 8 channels × 16 pixels; lane masks as vectors. */
#define T __attribute__((target("avx2,fma")))
#define NAME(x) x##_avx2
#define L 8
#define NVMAX 2
#define VF __m256
#define VI __m256i
#define MT __m256i
T static inline __m256i lane_mask(uint32_t bits) {
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)(bits & 0xff)), sel), sel);
}
T static inline void req_store_avx2(int8_t *p, __m256i acc, int32_t off, float mult, float lo, float hi,
                                    int32_t zp, __m256i m) {
    __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc, _mm256_set1_epi32(off))), _mm256_set1_ps(mult));
    y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));
    int32_t q[8], keep[8];
    _mm256_storeu_si256((__m256i *)(void *)q, _mm256_add_epi32(_mm256_cvtps_epi32(y), _mm256_set1_epi32(zp)));
    _mm256_storeu_si256((__m256i *)(void *)keep, m);
    for (int i = 0; i < 8; i++) if (keep[i]) p[i] = (int8_t)q[i];
}
#define MASK(bits) lane_mask(bits)
#define LOADF(p, m) _mm256_maskload_ps((p), (m))
#define LOADI(p, m, pad) _mm256_blendv_epi8((pad), _mm256_maskload_epi32((const int *)(const void *)(p), (m)), (m))
#define SETF(x) _mm256_set1_ps(x)
#define SETI(x) _mm256_set1_epi32(x)
#define ZEROF() _mm256_setzero_ps()
#define ZEROI() _mm256_setzero_si256()
#define FMA(a, b, acc) _mm256_fmadd_ps((a), (b), (acc))
#define ACTF(v, kind) ((kind) == 0 ? (v) : (kind) == 1 ? _mm256_max_ps((v), _mm256_setzero_ps()) \
                       : _mm256_min_ps(_mm256_max_ps((v), _mm256_setzero_ps()), _mm256_set1_ps(6.0f)))
#define STOREF(p, v, m) _mm256_maskstore_ps((p), (m), (v))
#define REQ_STORE(p, acc, off, mult, lo, hi, zp, m) req_store_avx2((p), (acc), (off), (mult), (lo), (hi), (zp), (m))
#define VDOT(acc, x, w) dlk_dot4_avx2((acc), (x), (w))
#include "conv_direct_template.h"
#undef T
#undef NAME
#undef VDOT

/* AVX-VNNI: the AVX2 tiles with the native 256-bit vpdpbusd (int8 only; fp32 is AVX2's). */
#define T __attribute__((target("avx2,fma,avxvnni")))
#define NAME(x) x##_avxvnni
#define VDOT(acc, x, w) _mm256_dpbusd_avx_epi32((acc), (x), (w))
#define DCONV_S8_ONLY
#include "conv_direct_template.h"
#undef DCONV_S8_ONLY
#endif

/* ---- drivers ---- */

typedef void (*f32_range_fn)(const dconv_ctx *, const float *, float *, size_t, size_t);
typedef void (*s8_range_fn)(const dconv_ctx *, const uint8_t *, int8_t *, size_t, size_t);

/* Pixels per tile at a level (ranges handed to threads are whole tiles). */
static size_t tile_pixels(dlk_isa isa) {
    return isa >= DLK_ISA_AVX512 && isa <= DLK_ISA_AVX512_VNNI ? 48 : 16;
}

static f32_range_fn f32_kernel(dlk_isa isa) {
    switch (isa) {
#ifdef DLK_X86
    case DLK_ISA_AVX512_VNNI: return f32_range_vnni;
    case DLK_ISA_AVX512: return f32_range_avx512;
    case DLK_ISA_AVX2:
    case DLK_ISA_AVX_VNNI: return f32_range_avx2;
#endif
    default: return f32_range_portable;
    }
}

static s8_range_fn s8_kernel(dlk_isa isa) {
    switch (isa) {
#ifdef DLK_X86
    case DLK_ISA_AVX512_VNNI: return s8_range_vnni;
    case DLK_ISA_AVX512: return s8_range_avx512;
    case DLK_ISA_AVX_VNNI: return s8_range_avxvnni;
    case DLK_ISA_AVX2: return s8_range_avx2;
#endif
    default: return s8_range_portable;
    }
}

typedef struct {
    dconv_ctx c;
    const void *x;
    void *y;
    uint8_t *scratch;      /* int8: one regrouped image per task (per_image) or the shared one */
    size_t x4_bytes;
    size_t tile, tiles;    /* pixels per tile, tiles per image */
    size_t items, chunk;   /* work items (image × tile, or images) and items per task */
    int per_image;         /* int8: each task regroups and runs whole images */
    f32_range_fn f32;
    s8_range_fn s8;
} dconv_job;

/* A job over g with its plane sizes; the caller sets the rest. */
static void job_init(dconv_job *j, const dlk_dconv_geometry *g) {
    memset(j, 0, sizeof *j);
    j->c.g = g;
    j->c.G = g->oh * g->iw;
    j->c.in_plane = g->ih * g->iw;
}

static void f32_task(void *v, int t) {
    const dconv_job *j = v;
    size_t lo = (size_t)t * j->chunk, hi = lo + j->chunk < j->items ? lo + j->chunk : j->items;
    const dlk_dconv_geometry *g = j->c.g;
    for (size_t it = lo; it < hi; it++) {
        size_t n = it / j->tiles, q0 = (it % j->tiles) * j->tile;
        size_t q1 = q0 + j->tile < j->c.G ? q0 + j->tile : j->c.G;
        j->f32(&j->c, (const float *)j->x + n * g->in_c * j->c.in_plane,
               (float *)j->y + n * g->out_c * j->c.G, q0, q1);
    }
}

void dlk_dconv_f32(const dlk_dconv_geometry *g, const float *x, const float *packed,
                   const float *bias, int activation, float *y, int threads) {
    if (g->batch == 0 || g->out_c == 0 || g->oh == 0 || g->iw == 0) return;
    dlk_isa isa = dlk_isa_active();
    dconv_job j;
    job_init(&j, g);
    j.c.k = g->in_c * g->taps;
    j.c.wf = packed;
    j.c.bias = bias;
    j.c.act = activation;
    j.x = x;
    j.y = y;
    j.f32 = f32_kernel(isa);
    threads = dlk_split_threads(threads, (double)g->batch * j.c.G * g->out_c * j.c.k,
                                4.0 * (double)g->batch * ((double)g->in_c * j.c.in_plane + (double)g->out_c * j.c.G));
    /* whole images per item when there are enough of them (the range picks the best tiles),
     * else single tiles so that the threads share an image */
    j.tile = threads <= 1 || g->batch >= (size_t)threads ? j.c.G : tile_pixels(isa);
    j.tiles = (j.c.G + j.tile - 1) / j.tile;
    j.items = g->batch * j.tiles;
    size_t tasks = (size_t)(threads < 1 ? 1 : threads);
    if (tasks > j.items) tasks = j.items;
    j.chunk = (j.items + tasks - 1) / tasks;
    dlk_parallel_for((int)tasks, (int)((j.items + j.chunk - 1) / j.chunk), f32_task, &j);
}

size_t dlk_dconv_s8_scratch_size(const dlk_dconv_geometry *g, size_t images) {
    size_t x4 = ((g->in_c + 3) / 4 * g->ih * g->iw * 4 + 63) / 64 * 64;
    return (images ? images : 1) * x4;
}

static void s8_task(void *v, int t) {
    const dconv_job *j = v;
    const dlk_dconv_geometry *g = j->c.g;
    size_t lo = (size_t)t * j->chunk, hi = lo + j->chunk < j->items ? lo + j->chunk : j->items;
    if (j->per_image) {   /* items are images; this task regroups into its own block */
        uint8_t *x4 = j->scratch + (size_t)t * j->x4_bytes;
        for (size_t n = lo; n < hi; n++) {
            regroup((const int8_t *)j->x + n * g->in_c * j->c.in_plane, g->in_c, j->c.in_plane, x4);
            j->s8(&j->c, x4, (int8_t *)j->y + n * g->out_c * j->c.G, 0, j->c.G);
        }
    } else {              /* items are tiles of the image already regrouped in scratch */
        size_t q0 = lo * j->tile, q1 = hi * j->tile < j->c.G ? hi * j->tile : j->c.G;
        j->s8(&j->c, j->scratch, (int8_t *)j->y, q0, q1);
    }
}

void dlk_dconv_s8(const dlk_dconv_geometry *g, const int8_t *x, int32_t x_zero_point,
                  const int8_t *packed, const int32_t *offset, const float *multiplier,
                  int32_t zero_point, int32_t qmin, int32_t qmax, int8_t *y, void *scratch,
                  size_t scratch_images, int threads) {
    if (g->batch == 0 || g->out_c == 0 || g->oh == 0 || g->iw == 0) return;
    dlk_isa isa = dlk_isa_active();
    dconv_job j;
    job_init(&j, g);
    j.c.cin4 = (g->in_c + 3) / 4;
    j.c.k = j.c.cin4 * g->taps;
    j.c.ws = packed;
    j.c.offset = offset;
    j.c.mult = multiplier;
    uint32_t p = (uint8_t)(x_zero_point + 128);
    j.c.pad32 = (int32_t)(p * 0x01010101u);
    j.c.zp = zero_point;
    j.c.lo = (float)(qmin - zero_point);
    j.c.hi = (float)(qmax - zero_point);
    j.s8 = s8_kernel(isa);
    j.x = x;
    j.y = y;
    j.scratch = scratch;
    j.x4_bytes = (j.c.cin4 * j.c.in_plane * 4 + 63) / 64 * 64;
    j.tile = tile_pixels(isa);
    j.tiles = (j.c.G + j.tile - 1) / j.tile;
    /* An int8 multiply-add costs about a quarter of an fp32 one (as in the int8 GEMM): j.c.k
     * counts groups of four input channels, so the work is batch·G·out_c·k fp32 MACs. */
    threads = dlk_split_threads(threads, (double)g->batch * j.c.G * g->out_c * j.c.k,
                                (double)g->batch * ((double)g->in_c * j.c.in_plane + (double)g->out_c * j.c.G));
    if (threads < 1) threads = 1;
    size_t images = scratch_images ? scratch_images : 1;
    if (threads == 1 || (g->batch >= (size_t)threads && images >= (size_t)threads)) {
        /* whole images per task, each task its own regrouped block */
        j.per_image = 1;
        j.items = g->batch;
        size_t tasks = (size_t)threads < images ? (size_t)threads : images;
        j.chunk = (j.items + tasks - 1) / tasks;
        dlk_parallel_for((int)tasks, (int)((j.items + j.chunk - 1) / j.chunk), s8_task, &j);
        return;
    }
    /* fewer images than threads: regroup each image, then split its tiles */
    j.items = j.tiles;
    size_t tasks = (size_t)threads < j.items ? (size_t)threads : j.items;
    j.chunk = (j.items + tasks - 1) / tasks;
    for (size_t n = 0; n < g->batch; n++) {
        regroup(x + n * g->in_c * j.c.in_plane, g->in_c, j.c.in_plane, j.scratch);
        j.y = y + n * g->out_c * j.c.G;
        dlk_parallel_for((int)tasks, (int)((j.items + j.chunk - 1) / j.chunk), s8_task, &j);
    }
}
