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
static inline double dlk_erf(double x) { return erf(x); }
static inline double dlk_tanh(double x) { return tanh(x); }

#endif
