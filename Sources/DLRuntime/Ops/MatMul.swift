import DLCore
import DLKernels

/// MatMul (f32) and MatMulInteger (int8/uint8 → int32) with numpy's shape rules
/// (`MatMulLayout`: 1-D operands promoted, batch dimensions broadcast).
///
/// f32: when B has no batch (or only size-1 batch dimensions) A's batch folds into m and one
/// `Gemm.sgemm` call does everything (with B packed at load when it is a constant 2-D
/// matrix); otherwise one product per output batch entry, each reading the A and B matrix
/// that the broadcast maps it to. MatMulInteger runs `GemmInt8Reference.integerProduct`.
struct MatMulKernel {
    enum Element {
        case float
        /// MatMulInteger: the operands' element types and zero points.
        case integer(aType: DType, aZeroPoint: Int32, bType: DType, bZeroPoint: Int32)
    }

    var element: Element
    var m: Int
    var n: Int
    var k: Int
    /// Per output batch entry, the index of its A and B matrix (empty: one product, B shared,
    /// A's batch folded into m).
    var aIndex: [Int]
    var bIndex: [Int]
    /// B packed at model load (a constant 2-D B).
    var packed: Gemm.PackedMatrix?

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let a = c.input(0), let b = c.input(1) else { throw c.fail(.invalidModel, "missing A or B") }
        let element: Element
        if c.node.op == .matMulInteger {
            element = .integer(aType: a.dtype, aZeroPoint: try zeroPoint(c, input: 0, a.dtype),
                               bType: b.dtype, bZeroPoint: try zeroPoint(c, input: 1, b.dtype))
        } else {
            try c.requireFloat32()
            element = .float
        }
        let layout = try MatMulLayout(a.shape, b.shape)
        let foldA = layout.bBatch.allSatisfy { $0 == 1 }
        let m = foldA ? layout.aBatch.reduce(layout.m, *) : layout.m
        let (aIndex, bIndex) = foldA ? ([], []) : layout.batchOperands()
        let packed = foldA && b.shape.rank == 2 ? c.model.packed.float[c.nodeIndex] : nil
        return OpRegistry.Prepared(kernel: .matMul(MatMulKernel(element: element, m: m, n: layout.n, k: layout.k,
                                                                aIndex: aIndex, bIndex: bIndex, packed: packed)))
    }

    /// An operand's zero point: its per-tensor quantization parameters (none means 0).
    private static func zeroPoint(_ c: OpRegistry.Context, input: Int, _ dtype: DType) throws(DLError) -> Int32 {
        guard dtype == .int8 || dtype == .uint8 else { throw c.unsupportedDTypes() }
        guard let q = c.inputQuant(input) else { return 0 }
        guard q.axis == nil, q.zeroPoints.count == 1 else {
            throw c.fail(.unsupportedOp, "per-row or per-column zero points (input \(input)) have no kernel in this build")
        }
        let range = dtype == .uint8 ? Quantize.uint8Range : Quantize.activationRange
        guard range.contains(q.zeroPoints[0]) else {
            throw c.fail(.invalidModel, "zero point \(q.zeroPoints[0]) of input \(input) is outside \(range) for \(dtype.name)")
        }
        return q.zeroPoints[0]
    }

    func run(_ io: StepIO) {
        let products = max(aIndex.count, 1)
        switch element {
        case .float:
            let a = io.floats(0), b = io.floats(1), y = io.outputFloats(0)
            if let packed {
                packed.multiply(m: m, a: a, lda: k, c: y, ldc: n, threads: io.threads)
                return
            }
            for i in 0..<products {
                let (ia, ib) = aIndex.isEmpty ? (0, 0) : (aIndex[i], bIndex[i])
                Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                           a: a + ia * m * k, lda: k, b: b + ib * k * n, ldb: n,
                           beta: 0, c: y + i * m * n, ldc: n, threads: io.threads)
            }
        case .integer(let aType, let aZeroPoint, let bType, let bZeroPoint):
            let y = io.output(0).assumingMemoryBound(to: Int32.self)
            for i in 0..<products {
                let (ia, ib) = aIndex.isEmpty ? (0, 0) : (aIndex[i], bIndex[i])
                let a = io.input(0) + ia * m * k, b = io.input(1) + ib * k * n, c = y + i * m * n
                // The four signedness combinations, each a specialized loop.
                switch (aType == .uint8, bType == .uint8) {
                case (true, true):
                    GemmInt8Reference.integerProduct(m: m, n: n, k: k, a: a.assumingMemoryBound(to: UInt8.self), aZeroPoint: aZeroPoint,
                                                     b: b.assumingMemoryBound(to: UInt8.self), bZeroPoint: bZeroPoint, c: c)
                case (true, false):
                    GemmInt8Reference.integerProduct(m: m, n: n, k: k, a: a.assumingMemoryBound(to: UInt8.self), aZeroPoint: aZeroPoint,
                                                     b: b.assumingMemoryBound(to: Int8.self), bZeroPoint: bZeroPoint, c: c)
                case (false, true):
                    GemmInt8Reference.integerProduct(m: m, n: n, k: k, a: a.assumingMemoryBound(to: Int8.self), aZeroPoint: aZeroPoint,
                                                     b: b.assumingMemoryBound(to: UInt8.self), bZeroPoint: bZeroPoint, c: c)
                case (false, false):
                    GemmInt8Reference.integerProduct(m: m, n: n, k: k, a: a.assumingMemoryBound(to: Int8.self), aZeroPoint: aZeroPoint,
                                                     b: b.assumingMemoryBound(to: Int8.self), bZeroPoint: bZeroPoint, c: c)
                }
            }
        }
    }
}
