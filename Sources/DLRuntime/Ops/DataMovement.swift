import DLCore
import DLKernels

/// Moves elements of any dtype as same-sized unsigned integers (the kernels are generic over
/// `BitwiseCopyable`; this picks the instantiation once per element size).
enum ElementSize: Int {
    case one = 1, two = 2, four = 4, eight = 8

    init?(_ dtype: DType) {
        guard dtype != .int4 else { return nil }
        self.init(rawValue: dtype.byteSize)
    }
}

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
