import CDLKernels
import DLCore

/// The instruction-set levels of the SIMD kernels, lowest first on each architecture. A CPU
/// need not run every level below its best (AVX-512 CPUs before Sapphire Rapids lack AVX-VNNI):
/// `Dispatch.available` lists the ones it does.
public enum ISA: Int32, CaseIterable, Sendable, CustomStringConvertible {
    /// Plain C, any CPU.
    case portable = 0
    /// x86-64 AVX2 + FMA.
    case avx2 = 1
    /// x86-64 AVX2 + FMA with AVX-VNNI (256-bit int8 dot products; Alder Lake and later
    /// cores without AVX-512, such as the Intel N100). Only the int8 kernels differ from `.avx2`.
    case avxVNNI = 2
    /// x86-64 AVX-512 F/BW/VL/DQ.
    case avx512 = 3
    /// x86-64 AVX-512 with VNNI (int8 dot products).
    case avx512VNNI = 4
    /// aarch64 Advanced SIMD.
    case neon = 10
    /// aarch64 with the int8 dot-product extension.
    case neonDotProd = 11

    /// The name `DLPK_ISA` accepts: portable, avx2, avxvnni, avx512, vnni, neon, dotprod.
    public var description: String {
        String(cString: dlk_isa_name(dlk_isa(rawValue: UInt32(bitPattern: rawValue))))
    }

    /// The level named as in `DLPK_ISA`, or nil.
    public init?(named name: String) {
        guard let isa = ISA.allCases.first(where: { $0.description == name }) else { return nil }
        self = isa
    }
}

/// Run-time selection of the kernels' instruction-set level.
///
/// Kernels use the highest level the CPU supports unless a lower one is forced, by the
/// `DLPK_ISA` environment variable (read once, at the first kernel call) or by `force(_:)`.
/// One build therefore runs on any x86-64 and never executes an instruction the CPU lacks.
public enum Dispatch {
    /// The highest level this CPU supports.
    public static var detected: ISA { isa(dlk_isa_detected()) }

    /// The level kernels use now.
    public static var active: ISA { isa(dlk_isa_active()) }

    /// Every level this CPU can run, lowest first (always includes `.portable`).
    public static var available: [ISA] {
        ISA.allCases.filter { dlk_isa_supported(cValue($0)) != 0 }
    }

    /// Makes all later kernel calls use `isa`. Throws when the CPU lacks it.
    /// Global: meant for tests and benchmarks, not to be changed while kernels run.
    public static func force(_ isa: ISA) throws(DLError) {
        guard dlk_isa_force(cValue(isa)) == 0 else {
            throw DLError(.unsupported, "instruction set \(isa) is not supported by this CPU (best: \(detected))")
        }
    }

    /// Returns to the detected level (ignoring `DLPK_ISA`).
    public static func reset() { dlk_isa_reset() }

    /// Re-reads `DLPK_ISA` now: the detected level, lowered by the variable if it names a
    /// level this CPU has (an unknown or unsupported name is ignored).
    public static func resetFromEnvironment() { dlk_isa_reset_from_environment() }

    static func cValue(_ isa: ISA) -> dlk_isa { dlk_isa(rawValue: UInt32(bitPattern: isa.rawValue)) }
    static func isa(_ value: dlk_isa) -> ISA { ISA(rawValue: Int32(bitPattern: value.rawValue)) ?? .portable }
}

extension Dispatch {
    /// Runs `body(task)` for every task in 0..<tasks on up to `threads` threads, the calling
    /// thread included; returns when all are done. `threads` = 1 (or one task) runs everything
    /// on the calling thread without touching the pool. The kernels' own pool (see
    /// `dlk_parallel_for`): tasks are claimed one at a time, the caller claiming too, so a
    /// call never waits for a helper to wake up, only for tasks a helper has started.
    /// `body` runs concurrently with itself: each task must touch its own data.
    public static func parallelFor(threads: Int, tasks: Int, _ body: (Int) -> Void) {
        guard tasks > 0 else { return }
        if threads <= 1 || tasks == 1 {
            for t in 0..<tasks { body(t) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                dlk_parallel_for(Int32(clamping: threads), Int32(clamping: tasks), { context, task in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(task))
                }, pointer)
            }
        }
    }

    /// The one split rule: how many of `threads` threads are worth using for work of `macs`
    /// fp32 multiply-adds (an int8 one counts as a quarter) streaming `bytes` of memory. Each
    /// thread must get a share worth more than handing it over costs (about 8 µs of one core),
    /// so small work gets 1: the calling thread alone.
    public static func threads(_ threads: Int, macs: Double, bytes: Double = 0) -> Int {
        Int(dlk_split_threads(Int32(clamping: threads), macs, bytes))
    }

    /// How many pieces to cut that work into for `threads` threads (from `threads(_:macs:bytes:)`):
    /// a few per thread so that a helper that starts late still finds some, none smaller than
    /// the minimum share, at least `threads`, at most `limit`.
    public static func units(threads: Int, macs: Double, bytes: Double = 0, limit: Int) -> Int {
        Int(dlk_split_units(Int32(clamping: threads), macs, bytes, limit > 0 ? limit : 1))
    }
}
