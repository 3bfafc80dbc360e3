/* Run-time instruction-set selection: detect once, allow a lower level to be forced. */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

static int detected = -1;   /* dlk_isa, -1 until first query */
static int supported_mask = 0;   /* bit per dlk_isa this CPU runs, valid once `detected` is */
static int active = -1;

#define BIT(isa) (1 << (int)(isa))

/* The levels this CPU (and OS) runs, as a mask of BIT(level). */
static int detect_supported(void) {
    int mask = BIT(DLK_ISA_PORTABLE);
#ifdef DLK_X86
    __builtin_cpu_init();
    /* __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0). */
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    if (avx2) mask |= BIT(DLK_ISA_AVX2);
    if (avx2 && __builtin_cpu_supports("avxvnni")) mask |= BIT(DLK_ISA_AVX_VNNI);
    if (avx2 && avx512) mask |= BIT(DLK_ISA_AVX512);
    if (avx2 && avx512 && __builtin_cpu_supports("avx512vnni")) mask |= BIT(DLK_ISA_AVX512_VNNI);
#elif defined(DLK_ARM64)
    mask |= BIT(DLK_ISA_NEON);
#if defined(__linux__)
    /* HWCAP_ASIMDDP (bit 20): the kernel reports the dot-product instructions. */
    if (getauxval(AT_HWCAP) & (1UL << 20)) mask |= BIT(DLK_ISA_NEON_DOTPROD);
#elif defined(__ARM_FEATURE_DOTPROD) || defined(__APPLE__)
    mask |= BIT(DLK_ISA_NEON_DOTPROD);
#endif
#endif
    return mask;
}

int dlk_isa_supported(dlk_isa isa) {
    (void)dlk_isa_detected();
    int bit = (int)isa;
    return bit >= 0 && bit < 31 && (__atomic_load_n(&supported_mask, __ATOMIC_ACQUIRE) & (1 << bit)) != 0;
}

static int parse(const char *s) {
    static const struct { const char *name; dlk_isa isa; } names[] = {
        {"portable", DLK_ISA_PORTABLE}, {"avx2", DLK_ISA_AVX2}, {"avxvnni", DLK_ISA_AVX_VNNI},
        {"avx512", DLK_ISA_AVX512}, {"vnni", DLK_ISA_AVX512_VNNI}, {"neon", DLK_ISA_NEON},
        {"dotprod", DLK_ISA_NEON_DOTPROD},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) return (int)names[i].isa;
    return -1;
}

dlk_isa dlk_isa_detected(void) {
    int d = __atomic_load_n(&detected, __ATOMIC_ACQUIRE);
    if (d < 0) {
        int mask = detect_supported();
        d = 0;
        for (int bit = 0; bit < 31; bit++)
            if (mask & (1 << bit)) d = bit;
        __atomic_store_n(&supported_mask, mask, __ATOMIC_RELEASE);
        __atomic_store_n(&detected, d, __ATOMIC_RELEASE);
    }
    return (dlk_isa)d;
}

static int from_environment(void) {
    int a = (int)dlk_isa_detected();
    /* DLPK_ISA may only lower the level; an unknown or unsupported name is ignored. */
    const char *env = getenv("DLPK_ISA");
    int want = env ? parse(env) : -1;
    if (want >= 0 && dlk_isa_supported((dlk_isa)want)) a = want;
    return a;
}

dlk_isa dlk_isa_active(void) {
    int a = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
    if (a < 0) {
        a = from_environment();
        __atomic_store_n(&active, a, __ATOMIC_RELEASE);
    }
    return (dlk_isa)a;
}

void dlk_isa_reset_from_environment(void) {
    __atomic_store_n(&active, from_environment(), __ATOMIC_RELEASE);
}

int dlk_isa_force(dlk_isa isa) {
    if (!dlk_isa_supported(isa)) return -1;
    __atomic_store_n(&active, (int)isa, __ATOMIC_RELEASE);
    return 0;
}

void dlk_isa_reset(void) {
    __atomic_store_n(&active, (int)dlk_isa_detected(), __ATOMIC_RELEASE);
}

const char *dlk_isa_name(dlk_isa isa) {
    switch (isa) {
    case DLK_ISA_PORTABLE: return "portable";
    case DLK_ISA_AVX2: return "avx2";
    case DLK_ISA_AVX_VNNI: return "avxvnni";
    case DLK_ISA_AVX512: return "avx512";
    case DLK_ISA_AVX512_VNNI: return "vnni";
    case DLK_ISA_NEON: return "neon";
    case DLK_ISA_NEON_DOTPROD: return "dotprod";
    }
    return "unknown";
}
