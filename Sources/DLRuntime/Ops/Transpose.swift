import DLCore
import DLKernels

/// Transpose by a permutation, any dtype.
struct TransposeKernel {
    var shape: [Int]
    var perm: [Int]
    var size: ElementSize

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let x = c.input(0), let size = ElementSize(x.dtype) else { throw c.unsupportedDTypes() }
        let perm = c.node.ints("perm") ?? Array((0..<x.shape.rank).reversed())
        return OpRegistry.Prepared(kernel: .transpose(TransposeKernel(shape: x.shape.dims, perm: perm, size: size)))
    }

    func run(_ io: StepIO) {
        switch size {
        case .one: run(io, UInt8.self)
        case .two: run(io, UInt16.self)
        case .four: run(io, UInt32.self)
        case .eight: run(io, UInt64.self)
        }
    }

    private func run<T: BitwiseCopyable>(_ io: StepIO, _: T.Type) {
        shape.withUnsafeBufferPointer { s in
            perm.withUnsafeBufferPointer { p in
                Transpose.forward(shape: s, perm: p, input: io.input(0).assumingMemoryBound(to: T.self),
                                  output: io.output(0).assumingMemoryBound(to: T.self))
            }
        }
    }
}
