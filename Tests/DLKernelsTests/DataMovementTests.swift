import Testing
@testable import DLKernels
import _TestSupport

@Suite struct DataMovementTests {
    @Test func concatAndSplitAlongAMiddleAxis() {
        // [2, 1, 3] ++ [2, 2, 3] along axis 1 -> [2, 3, 3]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = (10..<22).map(Float.init)
        var y = [Float](repeating: 0, count: 18)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let inputs = [pa.baseAddress!, pb.baseAddress!]
                inputs.withUnsafeBufferPointer { ins in
                    [1, 2].withUnsafeBufferPointer { sizes in
                        Concat.forward(outer: 2, inner: 3, inputs: ins, axisSizes: sizes, output: &y)
                    }
                }
            }
        }
        let expected: [Float] = [1, 2, 3, 10, 11, 12, 13, 14, 15, 4, 5, 6, 16, 17, 18, 19, 20, 21]
        #expect(y == expected)
        var sa = [Float](repeating: 0, count: 6), sb = [Float](repeating: 0, count: 12)
        sa.withUnsafeMutableBufferPointer { pa in
            sb.withUnsafeMutableBufferPointer { pb in
                [pa.baseAddress!, pb.baseAddress!].withUnsafeBufferPointer { outs in
                    [1, 2].withUnsafeBufferPointer { sizes in
                        Concat.split(outer: 2, inner: 3, input: y, axisSizes: sizes, outputs: outs)
                    }
                }
            }
        }
        #expect(sa == a && sb == b)
    }

    static let transposeCases: [([Int], [Int])] = [
        ([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 2, 1]), ([3, 1, 5, 2], [3, 1, 0, 2]),
        ([17, 7], [1, 0]), ([2, 3, 4, 5], [0, 1, 2, 3]), ([1, 63, 3], [2, 1, 0]), ([2, 2, 2, 2, 2], [4, 3, 2, 1, 0]),
        ([33, 65], [1, 0]), ([2, 19, 3, 35], [0, 3, 1, 2]), ([3, 17, 127], [2, 0, 1]), ([4, 5, 6, 7], [0, 2, 3, 1]),
    ]

    @Test(arguments: transposeCases)
    func transposeMatchesIndexArithmetic(_ c: ([Int], [Int])) {
        let (shape, perm) = c
        let count = shape.reduce(1, *)
        let x = (0..<count).map(Float.init)
        var y = [Float](repeating: .nan, count: count)
        shape.withUnsafeBufferPointer { s in perm.withUnsafeBufferPointer { p in Transpose.forward(shape: s, perm: p, input: x, output: &y) } }
        let outShape = perm.map { shape[$0] }
        let inStrides = (0..<shape.count).map { d in shape[(d + 1)...].reduce(1, *) }
        for flat in 0..<count {
            var rem = flat, src = 0
            for d in stride(from: outShape.count - 1, through: 0, by: -1) {
                src += (rem % outShape[d]) * inStrides[perm[d]]
                rem /= outShape[d]
            }
            #expect(y[flat] == x[src])
        }
        // the inverse permutation undoes it (the backward of transpose)
        var inverse = perm
        for (i, p) in perm.enumerated() { inverse[p] = i }
        var back = [Float](repeating: .nan, count: count)
        outShape.withUnsafeBufferPointer { s in inverse.withUnsafeBufferPointer { p in Transpose.forward(shape: s, perm: p, input: y, output: &back) } }
        #expect(back == x)
        // int8 goes through the same generic code
        var y8 = [Int8](repeating: 0, count: count)
        let x8 = x.map { Int8(truncatingIfNeeded: Int($0)) }
        shape.withUnsafeBufferPointer { s in perm.withUnsafeBufferPointer { p in Transpose.forward(shape: s, perm: p, input: x8, output: &y8) } }
        #expect(y8 == y.map { Int8(truncatingIfNeeded: Int($0)) })
    }

    @Test func gatherRowsAndGradient() {
        let table: [Float] = (0..<12).map(Float.init)   // [4, 3]
        let v = AxisView(outer: 1, axis: 4, inner: 3)
        var y = [Float](repeating: .nan, count: 12)
        let bad = [Int32(2), 0, -1, 7].withUnsafeBufferPointer { Gather.forward(v, data: table, indices: $0, output: &y, zero: 0) }
        #expect(bad == 1)
        let expected: [Float] = [6, 7, 8, 0, 1, 2, 9, 10, 11, 0, 0, 0]
        #expect(y == expected)
        var grad = [Float](repeating: .nan, count: 12)
        [Int64(1), 1, 3].withUnsafeBufferPointer { idx in
            Gather.backward(v, indices: idx, outputGrad: [1, 2, 3, 10, 20, 30, 5, 5, 5], dataGrad: &grad)
        }
        let expectedGrad: [Float] = [0, 0, 0, 11, 22, 33, 0, 0, 0, 5, 5, 5]
        #expect(grad == expectedGrad)
        // axis 1 of [2, 3, 2]: pick columns
        let data: [Float] = (0..<12).map(Float.init)
        var z = [Float](repeating: .nan, count: 4)
        _ = [Int32(2)].withUnsafeBufferPointer { Gather.forward(AxisView(outer: 2, axis: 3, inner: 2), data: data, indices: $0, output: &z, zero: 0) }
        #expect(z == [4, 5, 10, 11])
    }
}
