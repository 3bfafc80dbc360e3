import DLCore
import DLKernels

/// MatMul (f32) as one or more `Gemm.sgemm` calls: A [..., m, k] · B [k, n] folds A's leading
/// dimensions into m; equal batch dimensions on both sides run one product per batch entry.
/// Other broadcasts of the batch dimensions have no kernel yet.
struct MatMulKernel {
    var batches: Int
    var m: Int
    var n: Int
    var k: Int
    /// B is one matrix shared by every batch entry.
    var sharedB: Bool
    /// B packed at model load (a constant 2-D B).
    var packed: Gemm.PackedMatrix?

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        try c.requireFloat32()
        guard let a = c.input(0), let b = c.input(1) else { throw c.fail(.invalidModel, "missing A or B") }
        let aDims = a.shape.rank == 1 ? [1, a.shape[0]] : a.shape.dims
        let bDims = b.shape.rank == 1 ? [b.shape[0], 1] : b.shape.dims
        let k = aDims[aDims.count - 1], n = bDims[bDims.count - 1]
        if bDims.count == 2 {
            let m = (a.shape.elementCount ?? 0) / max(k, 1)
            return OpRegistry.Prepared(kernel: .matMul(MatMulKernel(batches: 1, m: m, n: n, k: k, sharedB: true,
                                                                    packed: c.model.packed.float[c.nodeIndex])))
        }
        guard aDims.count == bDims.count, Array(aDims.dropLast(2)) == Array(bDims.dropLast(2)) else {
            throw c.fail(.unsupportedOp, "MatMul with broadcast batch dimensions \(a.shape) x \(b.shape) has no kernel yet")
        }
        var batches = 1
        for d in aDims.dropLast(2) { batches *= d }
        return OpRegistry.Prepared(kernel: .matMul(MatMulKernel(batches: batches, m: aDims[aDims.count - 2], n: n, k: k,
                                                                sharedB: false, packed: nil)))
    }

    func run(_ io: StepIO) {
        let a = io.floats(0), b = io.floats(1), y = io.outputFloats(0)
        if let packed {
            packed.multiply(m: m, a: a, lda: k, c: y, ldc: n, threads: io.threads)
            return
        }
        for i in 0..<batches {
            Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                       a: a + i * m * k, lda: k, b: sharedB ? b : b + i * k * n, ldb: n,
                       beta: 0, c: y + i * m * n, ldc: n, threads: io.threads)
        }
    }
}
