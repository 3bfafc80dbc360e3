import DLCore

extension Session {
    /// Runs on f32 inputs held in arrays and returns the f32 outputs (allocates: for tests,
    /// tools and the trainer; the C ABI binds caller buffers instead).
    public func run(_ inputs: [[Float]], shapes: [Shape]) throws(DLError) -> [[Float]] {
        guard inputs.count == model.graph.inputs.count, shapes.count == inputs.count else {
            throw DLError(.invalidArgument, "\(inputs.count) inputs and \(shapes.count) shapes for a model with \(model.graph.inputs.count) inputs")
        }
        // One block holds the inputs, dims and outputs so that every pointer stays valid during run().
        var inputFloats = 0
        for x in inputs { inputFloats += x.count }
        let inputBlock = UnsafeMutablePointer<Float>.allocate(capacity: max(inputFloats, 1))
        let dimsBlock = UnsafeMutablePointer<Int64>.allocate(capacity: Shape.maxRank * max(inputs.count, 1))
        defer { inputBlock.deallocate(); dimsBlock.deallocate() }
        var cursor = inputBlock
        for (i, x) in inputs.enumerated() {
            for (j, v) in x.enumerated() { cursor[j] = v }
            let dims = dimsBlock + i * Shape.maxRank
            for (j, d) in shapes[i].dims.prefix(Shape.maxRank).enumerated() { dims[j] = Int64(d) }
            try setInput(i, data: cursor, byteCount: x.count * 4, dtype: .float32, rank: shapes[i].rank, dims: dims)
            cursor += x.count
        }
        try prepareForBoundInputs()
        var counts = [Int]()
        for i in 0..<model.graph.outputs.count {
            let t = outputType(i)
            guard t.dtype == .float32 else { throw DLError(.unsupportedDType, "output \(i) is \(t.dtype.name), not f32") }
            counts.append(t.shape.elementCount ?? 0)
        }
        var outputFloats = 0
        for c in counts { outputFloats += c }
        let outputBlock = UnsafeMutablePointer<Float>.allocate(capacity: max(outputFloats, 1))
        defer { outputBlock.deallocate() }
        var out = outputBlock
        for (i, c) in counts.enumerated() {
            try setOutput(i, data: out, byteCount: c * 4)
            out += c
        }
        try run()
        var outputs = [[Float]]()
        out = outputBlock
        for c in counts {
            outputs.append(Array(UnsafeBufferPointer(start: out, count: c)))
            out += c
        }
        return outputs
    }
}
