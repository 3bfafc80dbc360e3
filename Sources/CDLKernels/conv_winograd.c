/* Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions padded by 1 on every side (fp32):
 * 2.25× fewer multiplications than the direct kernel. Each 2×2 output tile comes from a 4×4
 * input patch d: V = Bᵀ d B per input channel, M_ξ = U_ξ · V_ξ for the 16 positions ξ (U = G g Gᵀ,
 * the weights transformed and packed once), Y = Aᵀ M A, then bias and activation.
 * Tiles are taken a few tile rows at a time (a chunk: V and M stay in L2); the 16 products
 * per chunk run on the direct kernel's register tiles (dlk_dconv_f32_product). The transforms
 * are plain loops over the tiles of a row, vectorised by the compiler per level. */
#include "internal.h"
#include "dlk_conv.h"
#include "conv_internal.h"
#include <stdlib.h>
#include <string.h>

size_t dlk_wconv_f32_packed_count(size_t out_c, size_t in_c) {
    return 16 * dlk_dconv_f32_packed_count(out_c, in_c);
}

int dlk_wconv_f32_pack(size_t out_c, size_t in_c, const float *w, float *packed) {
    size_t per = dlk_dconv_f32_packed_count(out_c, in_c);
    float *u = dlk_kernels_aligned_alloc(16 * out_c * in_c * sizeof(float) + 64);
    if (!u) return -1;
    for (size_t oc = 0; oc < out_c; oc++)
        for (size_t ci = 0; ci < in_c; ci++) {
            const float *g = w + (oc * in_c + ci) * 9;
            float t[4][3];   /* G g: rows of G = (1,0,0) (½,½,½) (½,−½,½) (0,0,1) */
            for (int c = 0; c < 3; c++) {
                t[0][c] = g[c];
                t[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
                t[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
                t[3][c] = g[6 + c];
            }
            for (int a = 0; a < 4; a++) {   /* (G g) Gᵀ */
                float r[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]), 0.5f * (t[a][0] - t[a][1] + t[a][2]), t[a][2]};
                for (int b = 0; b < 4; b++) u[((size_t)(a * 4 + b) * out_c + oc) * in_c + ci] = r[b];
            }
        }
    for (size_t xi = 0; xi < 16; xi++) dlk_dconv_f32_pack(out_c, in_c, 1, u + xi * out_c * in_c, packed + xi * per);
    dlk_kernels_aligned_free(u);
    return 0;
}

typedef struct {
    unsigned char *done;    /* per chunk, set when it ran (a helper without scratch skips it) */
    size_t batch, in_c, ih, iw, out_c;
    size_t th, tw;          /* tile rows and columns per image */
    size_t rows_per_chunk;  /* tile rows (over all images) per chunk */
    size_t ld;              /* tiles per chunk rounded up to 16: the row stride of V and M */
    const float *x, *packed, *bias;
    int act;
    float *y;
    size_t per;             /* packed floats per ξ */
} wino_job;

/* Input transform of tile row ty of image n, channel ci: V[ξ][ci][t0 + tx]. */
#define DEFINE_INPUT(name, attr)                                                              \
    attr static void name(const wino_job *j, const float *plane, size_t ty, float *v, size_t t0) { \
        size_t tw = j->tw, iw = j->iw;                                                        \
        float rows[4][2 * 64 + 2];                                                            \
        for (int i = 0; i < 4; i++) {                                                         \
            ptrdiff_t iy = (ptrdiff_t)(2 * ty) - 1 + i;                                       \
            float *r = rows[i];                                                               \
            memset(r, 0, (2 * tw + 2) * sizeof(float));                                       \
            if (iy >= 0 && iy < (ptrdiff_t)j->ih) memcpy(r + 1, plane + (size_t)iy * iw, iw * sizeof(float)); \
        }                                                                                     \
        float c[4][4][64];   /* Bᵀ along each row: c[i][b][tx] */                             \
        for (int i = 0; i < 4; i++)                                                           \
            for (size_t tx = 0; tx < tw; tx++) {                                              \
                const float *d = rows[i] + 2 * tx;                                            \
                c[i][0][tx] = d[0] - d[2];                                                    \
                c[i][1][tx] = d[1] + d[2];                                                    \
                c[i][2][tx] = d[2] - d[1];                                                    \
                c[i][3][tx] = d[1] - d[3];                                                    \
            }                                                                                 \
        size_t xs = j->in_c * j->ld;   /* stride between ξ */                                \
        for (int b = 0; b < 4; b++)                                                           \
            for (size_t tx = 0; tx < tw; tx++) {                                              \
                v[(0 * 4 + b) * xs + t0 + tx] = c[0][b][tx] - c[2][b][tx];                    \
                v[(1 * 4 + b) * xs + t0 + tx] = c[1][b][tx] + c[2][b][tx];                    \
                v[(2 * 4 + b) * xs + t0 + tx] = c[2][b][tx] - c[1][b][tx];                    \
                v[(3 * 4 + b) * xs + t0 + tx] = c[1][b][tx] - c[3][b][tx];                    \
            }                                                                                 \
    }

/* Output transform of tile row ty of image n, channel oc from M[ξ][oc][t0 + tx]. */
#define DEFINE_OUTPUT(name, attr)                                                             \
    attr static void name(const wino_job *j, const float *m, size_t oc, size_t ty, size_t t0, float *plane) { \
        size_t tw = j->tw, xs = j->out_c * j->ld, ow = j->iw;                                 \
        m += oc * j->ld;                                                                      \
        float bias = j->bias ? j->bias[oc] : 0.0f;                                            \
        float s[2][4][64];                                                                    \
        for (int b = 0; b < 4; b++)                                                           \
            for (size_t tx = 0; tx < tw; tx++) {                                              \
                float m0 = m[(0 * 4 + b) * xs + t0 + tx], m1 = m[(1 * 4 + b) * xs + t0 + tx]; \
                float m2 = m[(2 * 4 + b) * xs + t0 + tx], m3 = m[(3 * 4 + b) * xs + t0 + tx]; \
                s[0][b][tx] = m0 + m1 + m2;                                                   \
                s[1][b][tx] = m1 - m2 - m3;                                                   \
            }                                                                                 \
        float out[2][2 * 64];                                                                 \
        for (int i = 0; i < 2; i++)                                                           \
            for (size_t tx = 0; tx < tw; tx++) {                                              \
                float y0 = s[i][0][tx] + s[i][1][tx] + s[i][2][tx] + bias;                    \
                float y1 = s[i][1][tx] - s[i][2][tx] - s[i][3][tx] + bias;                    \
                if (j->act) {                                                                 \
                    y0 = y0 > 0 ? (j->act == 2 && y0 > 6 ? 6 : y0) : 0;                       \
                    y1 = y1 > 0 ? (j->act == 2 && y1 > 6 ? 6 : y1) : 0;                       \
                }                                                                             \
                out[i][2 * tx] = y0;                                                          \
                out[i][2 * tx + 1] = y1;                                                      \
            }                                                                                 \
        for (size_t i = 0; i < 2 && 2 * ty + i < j->ih; i++)                                  \
            memcpy(plane + (2 * ty + i) * ow, out[i], ow * sizeof(float));                    \
    }

DEFINE_INPUT(input_portable, )
DEFINE_OUTPUT(output_portable, )
#ifdef DLK_X86
DEFINE_INPUT(input_avx2, __attribute__((target("avx2,fma"))))
DEFINE_OUTPUT(output_avx2, __attribute__((target("avx2,fma"))))
DEFINE_INPUT(input_avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))))
DEFINE_OUTPUT(output_avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))))
#endif

typedef void (*input_fn)(const wino_job *, const float *, size_t, float *, size_t);
typedef void (*output_fn)(const wino_job *, const float *, size_t, size_t, size_t, float *);

static void chunk_task(void *vj, int t) {
    const wino_job *j = vj;
    dlk_isa isa = dlk_isa_active();
    input_fn in = input_portable;
    output_fn out = output_portable;
#ifdef DLK_X86
    if (isa >= DLK_ISA_AVX512 && isa <= DLK_ISA_AVX512_VNNI) { in = input_avx512; out = output_avx512; }
    else if (isa == DLK_ISA_AVX2) { in = input_avx2; out = output_avx2; }
#endif
    size_t total = j->batch * j->th, r0 = (size_t)t * j->rows_per_chunk;
    size_t r1 = r0 + j->rows_per_chunk < total ? r0 + j->rows_per_chunk : total;
    float *v = dlk_scratch(0, 16 * (j->in_c + j->out_c) * j->ld * sizeof(float));
    if (!v) return;   /* left for the calling thread (done[t] stays 0) */
    float *m = v + 16 * j->in_c * j->ld;
    size_t used = (r1 - r0) * j->tw;
    for (size_t r = r0; r < r1; r++) {
        size_t n = r / j->th, ty = r % j->th;
        for (size_t ci = 0; ci < j->in_c; ci++)
            in(j, j->x + (n * j->in_c + ci) * j->ih * j->iw, ty, v + ci * j->ld, (r - r0) * j->tw);
    }
    for (size_t xi = 0; xi < 16; xi++)   /* finite values in the lanes past the last tile */
        for (size_t ci = 0; ci < j->in_c; ci++)
            memset(v + (xi * j->in_c + ci) * j->ld + used, 0, (j->ld - used) * sizeof(float));
    for (size_t xi = 0; xi < 16; xi++)
        dlk_dconv_f32_product(j->in_c, j->out_c, j->packed + xi * j->per, v + xi * j->in_c * j->ld,
                              m + xi * j->out_c * j->ld, j->ld, used);
    for (size_t r = r0; r < r1; r++) {
        size_t n = r / j->th, ty = r % j->th;
        for (size_t oc = 0; oc < j->out_c; oc++)
            out(j, m, oc, ty, (r - r0) * j->tw, j->y + (n * j->out_c + oc) * j->ih * j->iw);
    }
    if (j->done) j->done[t] = 1;
}

int dlk_wconv_f32(size_t batch, size_t in_c, size_t ih, size_t iw, size_t out_c, const float *x,
                  const float *packed, const float *bias, int activation, float *y, int threads) {
    if (batch == 0 || in_c == 0 || out_c == 0 || ih == 0 || iw == 0) return 0;
    if (iw > 128) return -1;
    wino_job j;
    memset(&j, 0, sizeof j);
    j.batch = batch; j.in_c = in_c; j.ih = ih; j.iw = iw; j.out_c = out_c;
    j.th = (ih + 1) / 2;
    j.tw = (iw + 1) / 2;
    /* V and M of a chunk within about 384 KB, at most 1024 tiles */
    size_t tiles = 384 * 1024 / (16 * (in_c + out_c) * sizeof(float));
    if (tiles > 1024) tiles = 1024;
    j.rows_per_chunk = tiles / j.tw ? tiles / j.tw : 1;
    j.ld = (j.rows_per_chunk * j.tw + 15) / 16 * 16;
    if (j.ld > 1024) return -1;
    j.x = x; j.packed = packed; j.bias = bias; j.act = activation; j.y = y;
    j.per = dlk_dconv_f32_packed_count(out_c, in_c);
    if (!dlk_scratch(0, 16 * (in_c + out_c) * j.ld * sizeof(float))) return -1;
    size_t chunks = (batch * j.th + j.rows_per_chunk - 1) / j.rows_per_chunk;
    threads = dlk_threads_for(threads, (double)batch * ih * iw * in_c * out_c * 4);
    if (threads > 1 && chunks > 1) {
        /* helpers need scratch of their own: a chunk one of them could not run is redone here */
        j.done = calloc(chunks, 1);
        if (j.done) {
            dlk_parallel_for(threads, (int)chunks, chunk_task, &j);
            for (size_t t = 0; t < chunks; t++)
                if (!j.done[t]) chunk_task(&j, (int)t);
            free(j.done);
            return 0;
        }
    }
    for (size_t t = 0; t < chunks; t++) chunk_task(&j, (int)t);
    return 0;
}
