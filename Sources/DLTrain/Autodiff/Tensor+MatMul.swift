import DLKernels

/// Matrix products on `Gemm.sgemm`: plain `matmul` and the dense layer's `x · Wᵀ + b`.

extension Tensor {
    /// [m, k] · [k, n] -> [m, n].
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul: \(shape) · \(other.shape)")
        let (m, k, n) = (shape[0], shape[1], other.shape[1])
        let out = GemmCall.product(m: m, n: n, k: k, a: data, transA: false, b: other.data, transB: false)
        let a = self, b = other
        return Tensor.result(shape: [m, n], data: out, parents: [a, b]) { y in
            let g = y.grad!
            // dA = dY · Bᵀ, dB = Aᵀ · dY
            if a.requiresGrad {
                a.accumulateGrad { da in GemmCall.into(da, m: m, n: k, k: n, a: g, transA: false, b: b.data, transB: true) }
            }
            if b.requiresGrad {
                b.accumulateGrad { db in GemmCall.into(db, m: k, n: n, k: m, a: a.data, transA: true, b: g, transB: false) }
            }
        }
    }

    /// The dense layer: self [..., K] · weightᵀ ([N, K]) + bias ([N]) -> [..., N].
    /// Same layout as OpCode.dense, so export copies the weight as is.
    public func dense(weight: Tensor, bias: Tensor?) -> Tensor {
        let k = weight.shape[1], n = weight.shape[0]
        precondition(shape.last == k, "dense: input \(shape) does not end in \(k)")
        let m = count / k
        var out = [Float](repeating: 0, count: m * n)
        if let bias {
            let b = bias.data
            out.withUnsafeMutableBufferPointer { y in
                for r in 0..<m { for j in 0..<n { y[r * n + j] = b[j] } }
            }
        }
        out.withUnsafeMutableBufferPointer { y in
            GemmCall.into(y, m: m, n: n, k: k, a: data, transA: false, b: weight.data, transB: true, accumulate: bias != nil)
        }
        let x = self
        let outShape = Array(shape.dropLast()) + [n]
        return Tensor.result(shape: outShape, data: out, parents: bias.map { [x, weight, $0] } ?? [x, weight]) { y in
            let g = y.grad!
            if x.requiresGrad {            // dX = dY · W
                x.accumulateGrad { dx in GemmCall.into(dx, m: m, n: k, k: n, a: g, transA: false, b: weight.data, transB: false) }
            }
            if weight.requiresGrad {       // dW = dYᵀ · X
                weight.accumulateGrad { dw in GemmCall.into(dw, m: n, n: k, k: m, a: g, transA: true, b: x.data, transB: false) }
            }
            if let bias, bias.requiresGrad {
                bias.accumulateGrad { db in
                    g.withUnsafeBufferPointer { gp in
                        for r in 0..<m { for j in 0..<n { db[j] += gp[r * n + j] } }
                    }
                }
            }
        }
    }
}

/// Thin wrappers that give `Gemm.sgemm` array operands and the thread setting.
enum GemmCall {
    /// C (+)= op(A) · op(B), C [m, n] row-major and contiguous.
    static func into(_ c: UnsafeMutableBufferPointer<Float>, m: Int, n: Int, k: Int,
                     a: [Float], transA: Bool, b: [Float], transB: Bool, accumulate: Bool = true) {
        guard m > 0, n > 0 else { return }
        Compute.run(.gemm(m: m, n: n, k: k, transA: transA, transB: transB), multiplyAdds: m * n * k) { threads in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    Gemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                               a: ap.baseAddress!, lda: transA ? m : k,
                               b: bp.baseAddress!, ldb: transB ? k : n,
                               beta: accumulate ? 1 : 0, c: c.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
    }

    static func product(m: Int, n: Int, k: Int, a: [Float], transA: Bool, b: [Float], transB: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        out.withUnsafeMutableBufferPointer { into($0, m: m, n: n, k: k, a: a, transA: transA, b: b, transB: transB, accumulate: false) }
        return out
    }
}
