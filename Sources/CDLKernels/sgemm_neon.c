/* fp32 kernels for aarch64 NEON: 8×12 tile (24 q-register accumulators). */
#include "internal.h"
#ifdef DLK_ARM64
#include <arm_neon.h>

#define T
#define V float32x4_t
#define W 4
#define VZERO() vdupq_n_f32(0.0f)
#define VLOAD(p) vld1q_f32(p)
#define VSTORE(p, v) vst1q_f32((p), (v))
#define VSET1(x) vdupq_n_f32(x)
#define VFMA(a, b, c) vfmaq_f32((c), (a), (b))
#define VMUL(a, b) vmulq_f32((a), (b))
#define VADD(a, b) vaddq_f32((a), (b))
#define VHSUM(v) vaddvq_f32(v)
/* select, not vmaxq/vminq (which propagate NaN): a NaN in a gives b, as on x86 */
#define VMAX(a, b) vbslq_f32(vcgtq_f32((a), (b)), (a), (b))
#define VMIN(a, b) vbslq_f32(vcltq_f32((a), (b)), (a), (b))
#define MR 8
#define NR 12
#define NAME(x) x##_neon
#include "sgemm_template.h"
#endif
