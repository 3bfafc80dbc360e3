/* Shared between the direct and the Winograd convolution (not exported). */
#ifndef DLK_CONV_INTERNAL_H
#define DLK_CONV_INTERNAL_H
#include <stddef.h>

/* y[oc·ld + q] = Σ_ci packed(oc, ci)·x[ci·ld + q] for q < n (rounded up to 16: x must hold
 * finite values there, y room for them), with the weights packed by dlk_dconv_f32_pack with
 * taps = 1, at the active level, on the calling thread. */
void dlk_dconv_f32_product(size_t in_c, size_t out_c, const float *packed, const float *x, float *y,
                           size_t ld, size_t n);
#endif
