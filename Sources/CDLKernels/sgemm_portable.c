/* fp32 kernels in plain C (no target attributes): the fallback on any CPU, and a microkernel
 * for any tile size, used when a prepacked layout belongs to a level above the active one. */
#include "internal.h"

#define T
#define V float
#define W 1
#define VZERO() 0.0f
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VSET1(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define VHSUM(v) (v)
#define VMAX(a, b) ((a) > (b) ? (a) : (b))
#define VMIN(a, b) ((a) < (b) ? (a) : (b))
#define MR 4
#define NR 8
#define NAME(x) x##_portable
#include "sgemm_template.h"

void dlk_sgemm_ukr_generic(int mr, int nr, size_t kc, const float *pa, const float *pb,
                           float *c, size_t ldc, float alpha, float beta) {
    float acc[32 * 64];   /* mr ≤ 32, nr ≤ 64 for every layout we pack */
    for (int i = 0; i < mr * nr; i++) acc[i] = 0.0f;
    for (size_t p = 0; p < kc; p++)
        for (int r = 0; r < mr; r++) {
            float a = pa[p * mr + r];
            for (int j = 0; j < nr; j++) acc[r * nr + j] += a * pb[p * nr + j];
        }
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) {
            float v = alpha * acc[r * nr + j];
            c[r * ldc + j] = beta == 0.0f ? v : v + beta * c[r * ldc + j];
        }
}
