/* CDLKernels: the direct convolution (no im2col), fp32 and int8. Internal.
 *
 * For stride-1 convolutions whose output rows are as wide as the input rows (horizontal
 * padding padLeft + padRight = (kW − 1)·dilationW, any vertical padding and dilation): output
 * pixel q = oy·W + ox reads input element q + offset[s] for spatial tap s, so 16 neighbouring
 * output pixels read 16 neighbouring inputs, one vector load per tap. Taps that fall into the
 * padding (or wrap around a row edge) are switched off per lane by a precomputed mask table.
 * Output channels come in blocks of 8 whose weights are broadcast from a packed table; the
 * bias, the activation (fp32) or the requantization (int8) are applied in registers.
 * Dispatch on dlk_isa_active(); every level gives the same int8 bits and fp32 within rounding.
 */
#ifndef DLK_CONV_H
#define DLK_CONV_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The geometry shared by both kernels. ow == iw (see above). */
typedef struct {
    size_t batch, in_c, ih, iw, out_c, oh;
    size_t taps;              /* kH·kW */
    const int32_t *offsets;   /* [taps]: offset of tap s from the output pixel, in input elements */
    const uint16_t *masks;    /* [dlk_dconv_mask_count]: bit l of masks[b·taps + s] set when
                                 pixel 16·b + l exists and its tap s lies inside the input */
} dlk_dconv_geometry;

/* Entries of the mask table: ceil(oh·iw / 16) · taps. */
size_t dlk_dconv_mask_count(size_t oh, size_t iw, size_t taps);
/* Fills offsets [kh·kw] and masks for the geometry (pads may be any value >= 0). */
void dlk_dconv_tables(size_t ih, size_t iw, size_t oh, size_t kh, size_t kw, size_t pad_top,
                      size_t pad_left, size_t dilation_h, size_t dilation_w, int32_t *offsets,
                      uint16_t *masks);

/* fp32 weights W [out_c][in_c][taps] packed as [ceil(out_c/8)][taps][in_c][8] (zero padded);
 * count for k = in_c·taps. */
size_t dlk_dconv_f32_packed_count(size_t out_c, size_t k);
void dlk_dconv_f32_pack(size_t out_c, size_t in_c, size_t taps, const float *w, float *packed);
/* y = activation(conv(x) + bias); activation 0 none, 1 relu, 2 relu6 (NaN gives 0, as
 * FusedActivation); bias may be NULL. */
void dlk_dconv_f32(const dlk_dconv_geometry *g, const float *x, const float *packed,
                   const float *bias, int activation, float *y, int threads);

/* int8 weights W [out_c][in_c][taps] packed as [ceil(out_c/8)][taps][ceil(in_c/4)][8][4]
 * (4 input channels per 32-bit group, zero padded); colsum[out_c] = Σ W[oc][·][·]. */
size_t dlk_dconv_s8_packed_size(size_t out_c, size_t in_c, size_t taps);
void dlk_dconv_s8_pack(size_t out_c, size_t in_c, size_t taps, const int8_t *w, int8_t *packed,
                       int32_t *colsum);
/* Scratch bytes of dlk_dconv_s8 holding `images` images regrouped 4 channels per 32-bit lane
 * (1 is enough; with as many as threads, a batch runs one image per thread). */
size_t dlk_dconv_s8_scratch_size(const dlk_dconv_geometry *g, size_t images);
/* y = clamp(round_half_even(float(Σ (x − x_zero_point)·w + bias) · multiplier[oc]),
 * qmin − zp, qmax − zp) + zp, bit-exact with the reference. `offset[oc]` must be
 * bias[oc] − (128 + x_zero_point)·colsum[oc] in wrapping int32 arithmetic. scratch of
 * dlk_dconv_s8_scratch_size(g, scratch_images) bytes, 64-byte aligned. */
void dlk_dconv_s8(const dlk_dconv_geometry *g, const int8_t *x, int32_t x_zero_point,
                  const int8_t *packed, const int32_t *offset, const float *multiplier,
                  int32_t zero_point, int32_t qmin, int32_t qmax, int8_t *y, void *scratch,
                  size_t scratch_images, int threads);

#ifdef __cplusplus
}
#endif
#endif
