/* CDLKernels: helpers for the op kernels of DLKernels (Ops/ and Reference/). Internal. */
#ifndef DLK_OPS_H
#define DLK_OPS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* libm's scalar functions, so that the Swift kernels need neither Foundation nor Glibc. */
static inline float dlk_expf(float x) { return expf(x); }
static inline float dlk_logf(float x) { return logf(x); }
static inline float dlk_tanhf(float x) { return tanhf(x); }
static inline float dlk_erff(float x) { return erff(x); }
static inline double dlk_exp(double x) { return exp(x); }
static inline double dlk_log(double x) { return log(x); }
static inline double dlk_erf(double x) { return erf(x); }
static inline double dlk_tanh(double x) { return tanh(x); }


/* Instruction-set levels of the op kernels (the values of dlk_isa in dlk_kernels.h). */
enum { DLK_OPS_PORTABLE = 0, DLK_OPS_AVX2 = 1, DLK_OPS_AVX512 = 2, DLK_OPS_NEON = 10 };

/*! dlk_ops_best_isa() : the highest level this CPU runs (AVX2 needs FMA too; AVX-512 needs F).
 *  The default level (OpsISA.best in Swift) also follows dlk_isa_active(), i.e. DLPK_ISA. */
int dlk_ops_best_isa(void);

/* Element-wise functions of dlk_vmath. */
typedef enum {
    DLK_VM_EXP = 0,
    DLK_VM_SIGMOID = 1,
    DLK_VM_TANH = 2,
    DLK_VM_GELU_ERF = 3,
    DLK_VM_GELU_TANH = 4,
} dlk_vm_op;

/*! dlk_vmath() : y[i] = op(x[i]) for i < n at level `isa` (clamped to dlk_ops_best_isa()).
 *  x and y may be the same array. The vector paths agree with libm within a few ulp for
 *  exp/sigmoid/tanh and 2e-7 absolute for erf; the remainder runs through libm. */
void dlk_vmath(int isa, dlk_vm_op op, const float *x, float *y, size_t n);

/*! dlk_vexp_sum() : y[i] = exp(x[i] - shift); returns the sum of the y (softmax's inner loop). */
float dlk_vexp_sum(int isa, const float *x, float *y, size_t n, float shift);

/*! dlk_lstm_cell() : one LSTM time step (ONNX gate order i, o, f, c) for `rows` batch entries
 *  of `hs` hidden units. Entry b's pre-activations are g + b·ldg ([i | o | f | c̃], 4·hs floats),
 *  plus add + b·ldadd when add is not NULL. Writes the activated gates σ(i), σ(o), σ(f), tanh(c̃)
 *  back to g (training keeps them), C = f⊙C + i⊙c̃ to c + b·ldc and H = o⊙tanh(C) to h + b·ldh.
 *  The vector paths take tanh(x) as 2σ(2x) − 1 (one exponential instead of two polynomials):
 *  within 3e-7 absolute of libm, which is all a gate needs. */
void dlk_lstm_cell(int isa, size_t rows, size_t hs, float *g, size_t ldg, const float *add, size_t ldadd,
                   float *c, size_t ldc, float *h, size_t ldh);

/*! dlk_gru_reset() : GRU with linear_before_reset = 0, before the candidate's product: for
 *  `rows` batch entries of `hs` hidden units, entry b's pre-activations g + b·ldg ([z | r | h̃],
 *  z and r already holding Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + both biases) get z, r ← σ in place, and
 *  rh + b·ldrh = r ⊙ (h + b·ldh), the left operand of (r⊙Hₜ₋₁)·Rhᵀ. */
void dlk_gru_reset(int isa, size_t rows, size_t hs, float *g, size_t ldg, const float *h, size_t ldh,
                   float *rh, size_t ldrh);

/*! dlk_gru_cell() : one GRU time step (ONNX gate order z, r, h) for `rows` batch entries.
 *  g + b·ldg is [z | r | h̃]: with linear_before_reset, z and r are pre-activations (σ applied
 *  here), else already activated by dlk_gru_reset; h̃ holds Xₜ·Whᵀ + Wbh. rec + b·ldrec is the
 *  candidate's recurrent product (Hₜ₋₁·Rhᵀ, or (r⊙Hₜ₋₁)·Rhᵀ), to which rbh (hs floats, may be
 *  NULL) is added and written back (training keeps it). h̃ = tanh(h̃ + r⊙rec) with
 *  linear_before_reset, else tanh(h̃ + rec), is written back to g, and
 *  H = (1 − z)⊙h̃ + z⊙H to h + b·ldh. tanh as 2σ(2x) − 1 in the vector paths, as dlk_lstm_cell. */
void dlk_gru_cell(int isa, size_t rows, size_t hs, float *g, size_t ldg, float *rec, size_t ldrec,
                  const float *rbh, int linear_before_reset, float *h, size_t ldh);

/*! dlk_dw_interior() : one output row of a depthwise convolution with horizontal stride 1,
 *  over the columns [x0, x1) whose taps all lie inside the input row:
 *  out[ox] = bias + sum_r sum_kx w[r*kw + kx] * rows[r][ox + kx*dilation]   for r < nrows.
 *  rows[r] points at input column -padLeft of a valid input row; w at its filter row. */
void dlk_dw_interior(int isa, const float *const *rows, const float *const *w, int nrows, int kw,
                     int dilation, float bias, float *out, int x0, int x1);

/*! dlk_requantize_row() : out[i] = clamp(roundeven(float(acc[i] + offset) * multiplier),
 *  qmin - zp, qmax - zp) + zp: the shared quantizer's rule (Quantize.requantize), bit-exact. */
void dlk_requantize_row(int isa, const int32_t *acc, int32_t offset, float multiplier, int32_t zero_point,
                        int32_t qmin, int32_t qmax, int8_t *out, size_t n);

/*! dlk_maxpool_row_k2s2() : out[i] = max-update of out[i] with row[2i], then row[2i+1] (a tap
 *  wins only when greater: NaN never wins, ties keep the earlier value), for i < n. */
void dlk_maxpool_row_k2s2(int isa, const float *row, float *out, size_t n);

/*! dlk_maxpool_plane_2x2() : one plane of 2×2 stride-2 max pooling whose windows all lie inside
 *  the input: y[oy*ow + i] = max of x rows 2oy, 2oy+1, columns 2i, 2i+1 (row-major tap order, a
 *  tap wins only when greater, as dlk_maxpool_row_k2s2). */
void dlk_maxpool_plane_2x2(int isa, const float *x, size_t in_w, float *y, size_t oh, size_t ow);
/*! dlk_maxpool_plane_2x2_s8() : the same on int8. */
void dlk_maxpool_plane_2x2_s8(int isa, const int8_t *x, size_t in_w, int8_t *y, size_t oh, size_t ow);

#endif
