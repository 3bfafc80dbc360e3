/// Add, Sub, Mul, Div with numpy broadcasting (ONNX), fp32, and their gradients.
public enum BinaryOp: Sendable {
    case add, sub, mul, div
}

public enum Arithmetic {
    /// out = a ∘ b over `plan.outputShape`. `out` may alias an operand of the output's shape.
    public static func forward(_ op: BinaryOp, _ plan: Broadcast, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                               output out: UnsafeMutablePointer<Float>) {
        switch op {
        case .add: apply(plan, a, b, out) { $0 + $1 }
        case .sub: apply(plan, a, b, out) { $0 - $1 }
        case .mul: apply(plan, a, b, out) { $0 * $1 }
        case .div: apply(plan, a, b, out) { $0 / $1 }
        }
    }

    /// The rows are specialised for the common layouts (both contiguous, one a scalar) so the
    /// compiler vectorises them.
    @inline(__always)
    static func apply(_ plan: Broadcast, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                      _ out: UnsafeMutablePointer<Float>, _ f: (Float, Float) -> Float) {
        plan.forEachRow { oa, ob, oo, n, sa, sb in
            let pa = a + oa, pb = b + ob, po = out + oo
            if sa == 1 && sb == 1 {
                for j in 0..<n { po[j] = f(pa[j], pb[j]) }
            } else if sa == 1 && sb == 0 {
                let v = pb[0]
                for j in 0..<n { po[j] = f(pa[j], v) }
            } else if sa == 0 && sb == 1 {
                let v = pa[0]
                for j in 0..<n { po[j] = f(v, pb[j]) }
            } else {
                for j in 0..<n { po[j] = f(pa[j &* sa], pb[j &* sb]) }
            }
        }
    }

    /// The gradients of `forward`: dA and dB (either may be nil) each summed over the dimensions
    /// along which that operand was broadcast, so they have the operand's own shape. Overwrites them.
    /// `aCount`/`bCount` are the operands' element counts.
    public static func backward(_ op: BinaryOp, _ plan: Broadcast, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>,
                                aGrad da: UnsafeMutablePointer<Float>?, aCount: Int,
                                bGrad db: UnsafeMutablePointer<Float>?, bCount: Int) {
        if let da {
            da.update(repeating: 0, count: aCount)
            switch op {
            case .add, .sub: plan.forEachElement { ia, _, io in da[ia] += dy[io] }
            case .mul: plan.forEachElement { ia, ib, io in da[ia] += dy[io] * b[ib] }
            case .div: plan.forEachElement { ia, ib, io in da[ia] += dy[io] / b[ib] }
            }
        }
        if let db {
            db.update(repeating: 0, count: bCount)
            switch op {
            case .add: plan.forEachElement { _, ib, io in db[ib] += dy[io] }
            case .sub: plan.forEachElement { _, ib, io in db[ib] -= dy[io] }
            case .mul: plan.forEachElement { ia, ib, io in db[ib] += dy[io] * a[ia] }
            case .div: plan.forEachElement { ia, ib, io in let bv = b[ib]; db[ib] -= dy[io] * a[ia] / (bv * bv) }
            }
        }
    }

    /// Sums a gradient of the broadcast output shape down to operand A's shape (the plan's first
    /// operand): the reduction a trainer needs after any broadcasting op. Overwrites `into`.
    public static func reduceToFirstOperand(_ plan: Broadcast, outputGrad dy: UnsafePointer<Float>,
                                            into da: UnsafeMutablePointer<Float>, count: Int) {
        da.update(repeating: 0, count: count)
        plan.forEachElement { ia, _, io in da[ia] += dy[io] }
    }

    /// int8 Add with requantization (ONNX QLinearAdd): each operand is dequantized with its own
    /// parameters, summed, and quantized with the output's:
    /// out = clamp(round((a − za)·sa/so + (b − zb)·sb/so) + zo), rounding half to even.
    public static func addInt8(_ plan: Broadcast,
                               a: UnsafePointer<Int8>, aScale: Float, aZeroPoint: Int32,
                               b: UnsafePointer<Int8>, bScale: Float, bZeroPoint: Int32,
                               output out: UnsafeMutablePointer<Int8>, outScale: Float, outZeroPoint: Int32) {
        let ma = aScale / outScale, mb = bScale / outScale
        let za = Float(aZeroPoint), zb = Float(bZeroPoint), zo = Float(outZeroPoint)
        plan.forEachRow { oa, ob, oo, n, sa, sb in
            for j in 0..<n {
                let v = (Float(a[oa + j &* sa]) - za) * ma + (Float(b[ob + j &* sb]) - zb) * mb
                let q = v.rounded(.toNearestOrEven) + zo
                out[oo + j] = Int8(q < -128 ? -128 : (q > 127 ? 127 : q))
            }
        }
    }
}
