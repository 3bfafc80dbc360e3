/* CDLKernels: kernels of the training backward passes (the DLKernels/Ops backward files). Internal. */
#ifndef DLK_TRAIN_H
#define DLK_TRAIN_H
#include <stddef.h>

/*! dlk_maxpool_backward_2x2() : the gradient of one plane of 2×2 stride-2 max pooling whose
 *  windows all lie inside the input, from the forward's output y: dy[oy*ow + i] goes to the
 *  first tap of its window (row-major) that is not below y, the other three taps get 0. Writes
 *  rows 0 ..< 2·oh, columns 0 ..< 2·ow of dx (row stride in_w); the rest is the caller's. */
void dlk_maxpool_backward_2x2(int isa, const float *x, size_t in_w, const float *y, const float *dy,
                              float *dx, size_t oh, size_t ow);

/* The geometry dlk_im2col_pixel_major needs (one group of one image). */
typedef struct {
    int channels, in_h, in_w, out_h, out_w;
    int kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
} dlk_im2col_geometry;

/*! dlk_im2col_pixel_major() : the pixel-major im2col of one image: row j = oy*out_w + ox of
 *  `columns` holds the channels*kernel_h*kernel_w taps of output pixel j in weight order
 *  (channel, ky, kx), 0 for taps in the padding. Rows are written one after another. */
void dlk_im2col_pixel_major(int isa, const dlk_im2col_geometry *g, const float *image, float *columns);

#endif
