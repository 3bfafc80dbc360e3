import Testing
@testable import DLKernels
import _TestSupport

/// Element (multi-index) broadcasting written the slow, obvious way.
func naiveBroadcast(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int], _ outShape: [Int],
                    _ f: (Float, Float) -> Float) -> [Float] {
    let rank = outShape.count
    let pa = [Int](repeating: 1, count: rank - aShape.count) + aShape
    let pb = [Int](repeating: 1, count: rank - bShape.count) + bShape
    let count = outShape.reduce(1, *)
    var out = [Float](repeating: 0, count: count)
    for flat in 0..<count {
        var idx = [Int](repeating: 0, count: rank), rem = flat
        for d in stride(from: rank - 1, through: 0, by: -1) { idx[d] = rem % outShape[d]; rem /= outShape[d] }
        var ia = 0, ib = 0
        for d in 0..<rank {
            ia = ia * pa[d] + (pa[d] == 1 ? 0 : idx[d])
            ib = ib * pb[d] + (pb[d] == 1 ? 0 : idx[d])
        }
        out[flat] = f(a[ia], b[ib])
    }
    return out
}

@Suite struct ArithmeticTests {
    static let shapes: [([Int], [Int])] = [
        ([7], [7]), ([3, 4], [4]), ([3, 4], [3, 1]), ([2, 3, 4], [1]), ([1], [2, 3]), ([], [5]),
        ([2, 1, 4], [3, 1]), ([17, 1, 65], [1, 3, 1]), ([2, 3, 1, 5], [3, 4, 5]), ([1, 63], [127, 1]),
        ([4, 1, 1, 7], [4, 3, 2, 7]), ([2, 3, 4, 5], [2, 3, 4, 5]), ([6, 0, 3], [3]),
    ]

    @Test func broadcastShapes() {
        #expect(Broadcast([3, 4], [4])?.outputShape == [3, 4])
        #expect(Broadcast([2, 1, 4], [3, 1])?.outputShape == [2, 3, 4])
        #expect(Broadcast([3], [4]) == nil)
        // collapsed: [2,3,4] + [4] is a 6×4 walk with B repeated
        let plan = Broadcast([2, 3, 4], [4])!
        #expect(plan.shape == [6, 4] && plan.aStrides == [4, 1] && plan.bStrides == [0, 1])
    }

    @Test(arguments: [BinaryOp.add, .sub, .mul, .div])
    func forwardMatchesNaiveBroadcasting(_ op: BinaryOp) {
        let f: (Float, Float) -> Float = switch op {
        case .add: { $0 + $1 }
        case .sub: { $0 - $1 }
        case .mul: { $0 * $1 }
        case .div: { $0 / $1 }
        }
        var data = TestData(seed: 21)
        for (sa, sb) in Self.shapes {
            let plan = Broadcast(sa, sb)!
            let a = data.floats(sa.reduce(1, *)), b = data.floats(sb.reduce(1, *), in: 0.5...2)
            var y = [Float](repeating: .nan, count: plan.count)
            Arithmetic.forward(op, plan, a: a, b: b, output: &y)
            #expect(y == naiveBroadcast(a, sa, b, sb, plan.outputShape, f), "\(sa) ∘ \(sb)")
        }
    }

    @Test(arguments: [BinaryOp.add, .sub, .mul, .div])
    func backwardMatchesFiniteDifferences(_ op: BinaryOp) {
        var data = TestData(seed: 22)
        for (sa, sb) in Self.shapes.prefix(11) {
            let plan = Broadcast(sa, sb)!
            let na = sa.reduce(1, *), nb = sb.reduce(1, *)
            let a = data.floats(na), b = data.floats(nb, in: 0.5...2), r = data.floats(plan.count)
            func loss(_ a: [Float], _ b: [Float]) -> Double {
                var y = [Float](repeating: 0, count: plan.count)
                Arithmetic.forward(op, plan, a: a, b: b, output: &y)
                return dot(y, r)
            }
            var da = [Float](repeating: .nan, count: na), db = [Float](repeating: .nan, count: nb)
            Arithmetic.backward(op, plan, a: a, b: b, outputGrad: r, aGrad: &da, aCount: na, bGrad: &db, bCount: nb)
            #expect(closeRelativeToMax(da, numericGradient(a) { loss($0, b) }), "dA \(sa) ∘ \(sb)")
            #expect(closeRelativeToMax(db, numericGradient(b, eps: 1e-3) { loss(a, $0) }, rtol: 3e-3), "dB \(sa) ∘ \(sb)")
            if op == .add {
                var red = [Float](repeating: .nan, count: na)
                Arithmetic.reduceToFirstOperand(plan, outputGrad: r, into: &red, count: na)
                #expect(red == da)
            }
        }
    }

    @Test func int8AddRequantizes() {
        var data = TestData(seed: 23)
        for (sa, sb) in Self.shapes {
            let plan = Broadcast(sa, sb)!
            let a = data.int8s(sa.reduce(1, *)), b = data.int8s(sb.reduce(1, *))
            var y = [Int8](repeating: 0, count: plan.count)
            Arithmetic.addInt8(plan, a: a, aScale: 0.1, aZeroPoint: 5, b: b, bScale: 0.03, bZeroPoint: -2,
                               output: &y, outScale: 0.12, outZeroPoint: 1)
            // Independent: dequantize in Double, add, quantize.
            let af = a.map { Float((Double($0) - 5) * Double(Float(0.1))) }
            let bf = b.map { Float((Double($0) + 2) * Double(Float(0.03))) }
            let sum = naiveBroadcast(af, sa, bf, sb, plan.outputShape, +)
            for i in y.indices {
                let q = min(max((sum[i] / 0.12).rounded(.toNearestOrEven) + 1, -128), 127)
                // one step of slack where float rounding lands on a .5 boundary differently
                #expect(abs(Float(y[i]) - q) <= 1)
            }
        }
    }
}
