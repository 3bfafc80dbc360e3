import CDLKernels

/// Which instruction-set level the op kernels' C paths run at (ops_vmath.c).
/// 0 portable (libm), 1 AVX2+FMA, 2 AVX-512F, 10 NEON (aarch64); a level the CPU lacks falls
/// back, so any value is safe. Tests pass each level explicitly to check every path.
public enum OpsISA {
    public static let portable: Int32 = 0
    public static let avx2: Int32 = 1
    public static let avx512: Int32 = 2
    public static let neon: Int32 = 10

    /// The highest level this CPU runs these kernels at.
    public static var supported: Int32 { dlk_ops_best_isa() }

    /// The level the op kernels use by default: `supported`, lowered with the GEMM kernels'
    /// level (`Dispatch.active`, which `DLPK_ISA` and `Dispatch.force` set).
    public static var best: Int32 {
        switch Dispatch.active {
        case .portable: return portable
        case .avx2, .avxVNNI: return min(supported, avx2)
        default: return supported
        }
    }

    /// Every level this CPU runs, lowest first.
    public static var available: [Int32] { supported >= neon ? [portable, supported] : Array(0...supported) }
}
