import DLCore
import DLKernels

/// Concat along one axis: every input as [outer, axisᵢ·inner]. The input pointer list lives
/// in the step's scratch so that running allocates nothing.
struct ConcatKernel {
    var outer: Int
    var inner: Int
    var axisSizes: [Int]
    var size: ElementSize

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let first = c.input(0), let size = ElementSize(first.dtype) else { throw c.unsupportedDTypes() }
        let dims = c.outputs[0].shape.dims
        var axis = c.node.int("axis", default: 0)
        if axis < 0 { axis += dims.count }
        var outer = 1, inner = 1
        for (i, d) in dims.enumerated() { if i < axis { outer *= d } else if i > axis { inner *= d } }
        var axisSizes = [Int]()
        for t in c.inputs { axisSizes.append(t?.shape[axis] ?? 0) }
        return OpRegistry.Prepared(kernel: .concat(ConcatKernel(outer: outer, inner: inner, axisSizes: axisSizes, size: size)),
                                   scratchBytes: 8 * axisSizes.count)
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
        let list = io.scratch.bindMemory(to: UnsafePointer<T>.self, capacity: axisSizes.count)
        for i in axisSizes.indices { list[i] = io.input(i).assumingMemoryBound(to: T.self) }
        axisSizes.withUnsafeBufferPointer { sizes in
            Concat.forward(outer: outer, inner: inner, inputs: UnsafeBufferPointer(start: list, count: axisSizes.count),
                           axisSizes: sizes, output: io.output(0).assumingMemoryBound(to: T.self))
        }
    }
}
