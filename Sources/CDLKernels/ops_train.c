/* Kernels of the training backward passes whose Swift loops do not vectorise (data-dependent
 * selects become branches; strided tap copies). Plain loops instantiated per level through
 * target attributes, as in ops_pool.c; every level computes the same bits. */
#include "dlk_train.h"
#include "dlk_ops.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__clang__)
#define DLK_TRAIN_X86 1
#endif

/* Bitwise & and | on the comparisons (not && / ||) keep the loop free of branches. */
#define DEFINE_MAXPOOL_BACKWARD(name, attr)                                                 \
    attr static void name(const float *x, size_t in_w, const float *y, const float *dy,    \
                          float *dx, size_t oh, size_t ow) {                                \
        for (size_t oy = 0; oy < oh; oy++) {                                                \
            const float *r0 = x + 2 * oy * in_w, *r1 = r0 + in_w;                           \
            float *g0 = dx + 2 * oy * in_w, *g1 = g0 + in_w;                                \
            const float *m = y + oy * ow, *g = dy + oy * ow;                                \
            for (size_t i = 0; i < ow; i++) {                                               \
                float v = m[i], d = g[i];                                                   \
                int ha = !(r0[2 * i] < v); /* a NaN first tap keeps it, as the search does */ \
                int hb = (r0[2 * i + 1] == v) & !ha;                                        \
                int hc = (r1[2 * i] == v) & !ha & !hb;                                      \
                int hd = (r1[2 * i + 1] == v) & !ha & !hb & !hc;                            \
                g0[2 * i] = ha ? d : 0.0f;                                                  \
                g0[2 * i + 1] = hb ? d : 0.0f;                                              \
                g1[2 * i] = hc ? d : 0.0f;                                                  \
                g1[2 * i + 1] = hd ? d : 0.0f;                                              \
            }                                                                               \
        }                                                                                   \
    }

/* Pixel by pixel, so the columns are written in order. The pixels whose window lies inside the
 * image (all but a border as wide as the padding) copy their taps without bounds tests; with
 * 3-wide undilated kernels, as three fixed loads and stores. */
#define DEFINE_IM2COL_PIXEL_MAJOR(name, attr)                                               \
    attr static void name(const dlk_im2col_geometry *p, const float *image, float *out) {  \
        const int kh = p->kernel_h, kw = p->kernel_w, dh = p->dilation_h, dw = p->dilation_w; \
        const int sw = p->stride_w, channels = p->channels, in_w = p->in_w;                 \
        const size_t plane = (size_t)p->in_h * in_w;                                        \
        /* output columns whose taps all lie inside a row: [x_lo, x_hi) */                 \
        int x_lo = 0, x_hi = p->out_w;                                                      \
        while (x_lo < p->out_w && x_lo * sw - p->pad_left < 0) x_lo++;                      \
        while (x_hi > x_lo && (x_hi - 1) * sw - p->pad_left + (kw - 1) * dw >= in_w) x_hi--; \
        for (int oy = 0; oy < p->out_h; oy++) {                                             \
            const int y0 = oy * p->stride_h - p->pad_top;                                   \
            const int rows_in = y0 >= 0 && y0 + (kh - 1) * dh < p->in_h;                    \
            const int lo = rows_in ? x_lo : p->out_w, hi = rows_in ? x_hi : p->out_w;       \
            for (int ox = 0; ox < p->out_w; ox++) {                                         \
                const int x0 = ox * sw - p->pad_left;                                       \
                if (ox >= lo && ox < hi) {                                                  \
                    if (kw == 3 && dw == 1) {                                               \
                        for (int c = 0; c < channels; c++) {                                \
                            const float *row = image + c * plane + (size_t)y0 * in_w + x0;  \
                            for (int ky = 0; ky < kh; ky++, row += (size_t)dh * in_w, out += 3) { \
                                out[0] = row[0];                                            \
                                out[1] = row[1];                                            \
                                out[2] = row[2];                                            \
                            }                                                               \
                        }                                                                   \
                    } else {                                                                \
                        for (int c = 0; c < channels; c++) {                                \
                            const float *row = image + c * plane + (size_t)y0 * in_w + x0;  \
                            for (int ky = 0; ky < kh; ky++, row += (size_t)dh * in_w, out += kw) \
                                for (int kx = 0; kx < kw; kx++) out[kx] = row[kx * dw];     \
                        }                                                                   \
                    }                                                                       \
                    continue;                                                               \
                }                                                                           \
                for (int c = 0; c < channels; c++) {                                        \
                    const float *chan = image + c * plane;                                  \
                    for (int ky = 0; ky < kh; ky++, out += kw) {                            \
                        const int iy = y0 + ky * dh;                                        \
                        for (int kx = 0; kx < kw; kx++) {                                   \
                            const int ix = x0 + kx * dw;                                    \
                            out[kx] = iy >= 0 && iy < p->in_h && ix >= 0 && ix < in_w       \
                                          ? chan[(size_t)iy * in_w + ix] : 0.0f;            \
                        }                                                                   \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

DEFINE_MAXPOOL_BACKWARD(maxpool_backward_portable, )
DEFINE_IM2COL_PIXEL_MAJOR(im2col_pixel_major_portable, )
#ifdef DLK_TRAIN_X86
DEFINE_MAXPOOL_BACKWARD(maxpool_backward_avx2, __attribute__((target("avx2,fma"))))
DEFINE_MAXPOOL_BACKWARD(maxpool_backward_avx512, __attribute__((target("avx512f,avx2,fma"))))
DEFINE_IM2COL_PIXEL_MAJOR(im2col_pixel_major_avx2, __attribute__((target("avx2,fma"))))
DEFINE_IM2COL_PIXEL_MAJOR(im2col_pixel_major_avx512, __attribute__((target("avx512f,avx2,fma"))))
#endif

static int level(int isa) {
    int best = dlk_ops_best_isa();
    return isa < best ? (isa < 0 ? 0 : isa) : best;
}

void dlk_maxpool_backward_2x2(int isa, const float *x, size_t in_w, const float *y, const float *dy,
                              float *dx, size_t oh, size_t ow) {
    switch (level(isa)) {
#ifdef DLK_TRAIN_X86
    case DLK_OPS_AVX512: maxpool_backward_avx512(x, in_w, y, dy, dx, oh, ow); return;
    case DLK_OPS_AVX2: maxpool_backward_avx2(x, in_w, y, dy, dx, oh, ow); return;
#endif
    default: maxpool_backward_portable(x, in_w, y, dy, dx, oh, ow); return;
    }
}

void dlk_im2col_pixel_major(int isa, const dlk_im2col_geometry *g, const float *image, float *columns) {
    switch (level(isa)) {
#ifdef DLK_TRAIN_X86
    case DLK_OPS_AVX512: im2col_pixel_major_avx512(g, image, columns); return;
    case DLK_OPS_AVX2: im2col_pixel_major_avx2(g, image, columns); return;
#endif
    default: im2col_pixel_major_portable(g, image, columns); return;
    }
}
