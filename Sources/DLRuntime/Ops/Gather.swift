import DLCore
import DLKernels

/// Gather along one axis with i32 or i64 indices, any data dtype. Indices are data: an index
/// out of range is a run-time error naming the node.
struct GatherKernel {
    var view: AxisView
    var indexCount: Int
    var wideIndices: Bool
    var size: ElementSize
    var node: String

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let data = c.input(0), let indices = c.input(1), let size = ElementSize(data.dtype) else {
            throw c.unsupportedDTypes()
        }
        var axis = c.node.int("axis", default: 0)
        if axis < 0 { axis += data.shape.rank }
        return OpRegistry.Prepared(kernel: .gather(GatherKernel(view: AxisView(shape: data.shape.dims, axis: axis),
                                                                indexCount: indices.shape.elementCount ?? 0,
                                                                wideIndices: indices.dtype == .int64, size: size,
                                                                node: c.node.name)))
    }

    func run(_ io: StepIO) throws(DLError) {
        let bad: Int
        switch size {
        case .one: bad = run(io, UInt8.self)
        case .two: bad = run(io, UInt16.self)
        case .four: bad = run(io, UInt32.self)
        case .eight: bad = run(io, UInt64.self)
        }
        if bad > 0 {
            throw DLError(.invalidArgument, "Gather node '\(node)': \(bad) indices outside [-\(view.axis), \(view.axis))")
        }
    }

    private func run<T: BitwiseCopyable & FixedWidthInteger>(_ io: StepIO, _: T.Type) -> Int {
        let data = io.input(0).assumingMemoryBound(to: T.self), out = io.output(0).assumingMemoryBound(to: T.self)
        if wideIndices {
            let indices = UnsafeBufferPointer(start: io.input(1).assumingMemoryBound(to: Int64.self), count: indexCount)
            return Gather.forward(view, data: data, indices: indices, output: out, zero: 0)
        }
        let indices = UnsafeBufferPointer(start: io.input(1).assumingMemoryBound(to: Int32.self), count: indexCount)
        return Gather.forward(view, data: data, indices: indices, output: out, zero: 0)
    }
}
