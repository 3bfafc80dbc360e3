import CDLKernels

/// Which instruction-set level the op kernels' C paths run at (ops_vmath.c).
/// 0 portable (libm), 1 AVX2+FMA, 2 AVX-512F, 10 NEON (aarch64); a level the CPU lacks falls back,
/// so any value is safe. Tests pass each level explicitly to check every path.
public enum OpsISA {
    public static let portable: Int32 = 0
    public static let avx2: Int32 = 1
    public static let avx512: Int32 = 2
    /// The highest level this CPU runs.
    public static var best: Int32 { dlk_ops_best_isa() }
    /// Every level this CPU runs, lowest first.
    public static var available: [Int32] { best >= 10 ? [0, best] : Array(0...best) }
}
