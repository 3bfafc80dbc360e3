/// The reverse pass: visit the recorded graph in reverse topological order and run
/// each tensor's backward rule once, after all of its consumers have contributed.

extension Tensor {
    /// Computes d(self)/d(t) for every tracked tensor `t` this one depends on,
    /// adding into `t.grad` (parameters accumulate until an optimizer clears them).
    /// `self` is usually a scalar loss; otherwise its gradient is taken to be all ones.
    /// The tape is released afterwards, so a graph can be walked back only once.
    public func backward(seed: [Float]? = nil) {
        guard requiresGrad else { return }
        let order = topologicalOrder()
        grad = seed ?? [Float](repeating: 1, count: count)
        for t in order.reversed() {
            guard let rule = t.backwardRule, t.grad != nil else { continue }
            rule(t)
            // Intermediate gradients and the tape are not needed any more.
            t.backwardRule = nil
            t.parents = []
            t.grad = nil
        }
    }

    /// Every tracked tensor reachable from self, each after the ones it depends on.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search: deep recurrent graphs would overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if !visited.insert(ObjectIdentifier(t)).inserted { continue }
            stack.append((t, true))
            for p in t.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }

    /// Adds `g` (shaped `gradShape`) into self.grad, summing over the dimensions that
    /// broadcasting expanded: the one place where broadcast reductions happen.
    func accumulateGrad(_ g: [Float], shape gradShape: [Int]) {
        guard requiresGrad else { return }
        let reduced = gradShape == shape ? g : Broadcast.reduce(g, from: gradShape, to: shape)
        if grad == nil {
            grad = reduced
        } else {
            grad!.withUnsafeMutableBufferPointer { dst in
                reduced.withUnsafeBufferPointer { src in
                    for i in 0..<dst.count { dst[i] += src[i] }
                }
            }
        }
    }

    /// Same as `accumulateGrad(_:shape:)` for a gradient of exactly self's shape,
    /// written through a closure to avoid building an intermediate array.
    func accumulateGrad(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        guard requiresGrad else { return }
        if grad == nil { grad = [Float](repeating: 0, count: count) }
        grad!.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Computes `body` into a fresh gradient buffer of self's size and adds it to self.grad.
    /// `body` must write every element (the kernels' backward functions overwrite their output).
    func accumulateComputedGrad(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard requiresGrad else { return }
        let g = Tensor.uninitialized(count: count) { body($0.baseAddress!) }
        if grad == nil { grad = g } else { accumulateGrad(g, shape: shape) }
    }

    /// An array of `count` floats that `body` fills completely (no zeroing pass first).
    static func uninitialized(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }
}
