import Testing
import DLCore
@testable import DLKernels
import _TestSupport

@Suite struct QuantizeTests {
    @Test("asymmetric parameters represent 0.0 exactly", arguments: [
        (Float(-1), Float(1)), (0.3, 6.0), (-5.5, -0.25), (-0.001, 1000), (0, 0), (-3, 0),
    ])
    func zeroIsExact(range: (Float, Float)) throws {
        let p = try Quantize.asymmetric(min: range.0, max: range.1)
        let s = p.scales[0], zp = p.zeroPoints[0]
        #expect(s > 0 && s.isFinite)
        #expect(Quantize.activationRange.contains(zp))
        #expect(Quantize.quantize(0, scale: s, zeroPoint: zp) == zp)
        #expect(Quantize.dequantize(zp, scale: s, zeroPoint: zp) == 0)
    }

    @Test("asymmetric round trip is within half a step over the calibrated range")
    func asymmetricRoundTrip() throws {
        let p = try Quantize.asymmetric(min: -2.5, max: 7)
        let s = p.scales[0], zp = p.zeroPoints[0]
        for i in 0...1000 {
            let x = -2.5 + 9.5 * Float(i) / 1000
            let back = Quantize.dequantize(Quantize.quantize(x, scale: s, zeroPoint: zp), scale: s, zeroPoint: zp)
            #expect(abs(back - x) <= s / 2 * 1.0001, "x = \(x)")
        }
        // Outside the range it saturates.
        #expect(Quantize.quantize(1e6, scale: s, zeroPoint: zp) == 127)
        #expect(Quantize.quantize(-1e6, scale: s, zeroPoint: zp) == -128)
    }

    @Test func badActivationRangeThrows() {
        #expect(throws: DLError.self) { try Quantize.asymmetric(min: 1, max: -1) }
        #expect(throws: DLError.self) { try Quantize.asymmetric(min: -.infinity, max: 1) }
    }

    @Test("symmetric per-channel weights: ±127 at each channel's max, zero channel gets a finite scale")
    func symmetricPerChannel() throws {
        // A dense weight [out = 3, in = 4]; channel 1 is all zeros.
        let w: [Float] = [0.5, -1, 0.25, 0.75, 0, 0, 0, 0, 3, 2, -1, 0.1]
        let p = try w.withUnsafeBufferPointer { buf throws(DLError) in
            try Quantize.symmetricPerChannel(buf, shape: Shape([3, 4]), axis: 0)
        }
        #expect(p.axis == 0)
        #expect(p.zeroPoints == [0, 0, 0])
        #expect(p.scales[0] == Float(1) / 127)
        #expect(p.scales[1] == 1)
        #expect(p.scales[2] == Float(3) / 127)
        var q = [Int8](repeating: 0, count: w.count)
        try w.withUnsafeBufferPointer { src throws(DLError) in
            try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.quantize(src, shape: Shape([3, 4]), params: p, range: Quantize.weightRange, into: dst)
            }
        }
        #expect(q[1] == -127 && q[8] == 127)
        #expect(q[4..<8].allSatisfy { $0 == 0 })
        #expect(q.allSatisfy { $0 >= -127 })
        var back = [Float](repeating: 0, count: w.count)
        try q.withUnsafeBufferPointer { src throws(DLError) in
            try back.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.dequantize(src, shape: Shape([3, 4]), params: p, into: dst)
            }
        }
        for i in w.indices { #expect(abs(back[i] - w[i]) <= p.scales[i / 4] / 2) }
    }

    @Test("per-channel along an inner axis (conv weight [O, I, kh, kw] with axis 1)")
    func perChannelInnerAxis() throws {
        var rng = SeededGenerator(seed: 9)
        let shape = Shape([2, 3, 2, 2])
        let w = (0..<24).map { _ in Float.random(in: -4...4, using: &rng) }
        let p = try w.withUnsafeBufferPointer { buf throws(DLError) in
            try Quantize.symmetricPerChannel(buf, shape: shape, axis: 1)
        }
        for ch in 0..<3 {
            var m: Float = 0
            for o in 0..<2 { for s in 0..<4 { m = max(m, abs(w[o * 12 + ch * 4 + s])) } }
            #expect(p.scales[ch] == m / 127)
        }
    }

    @Test func nonFiniteWeightsAndShapeMismatchThrow() {
        let w: [Float] = [1, .nan, 2, 3]
        #expect(throws: DLError.self) {
            try w.withUnsafeBufferPointer { buf throws(DLError) in
                _ = try Quantize.symmetricPerChannel(buf, shape: Shape([2, 2]), axis: 0)
            }
        }
        #expect(throws: DLError.self) {
            try [Float](repeating: 1, count: 5).withUnsafeBufferPointer { buf throws(DLError) in
                _ = try Quantize.symmetricPerChannel(buf, shape: Shape([2, 2]), axis: 0)
            }
        }
    }

    @Test("quantize rounds half to even and saturates")
    func roundingRule() {
        #expect(Quantize.quantize(2.5, scale: 1, zeroPoint: 0) == 2)
        #expect(Quantize.quantize(3.5, scale: 1, zeroPoint: 0) == 4)
        #expect(Quantize.quantize(-2.5, scale: 1, zeroPoint: 0) == -2)
        #expect(Quantize.quantize(200, scale: 1, zeroPoint: 0) == 127)
        #expect(Quantize.quantize(-200, scale: 1, zeroPoint: 10) == -128)
        #expect(Quantize.quantize(.nan, scale: 1, zeroPoint: 7) == 7)
    }

    @Test("requantize: float multiplier, half to even, clamp, zero point")
    func requantizeRule() {
        #expect(Quantize.requantize(5, multiplier: 0.5, zeroPoint: 0) == 2)     // 2.5 → 2
        #expect(Quantize.requantize(7, multiplier: 0.5, zeroPoint: 0) == 4)     // 3.5 → 4
        #expect(Quantize.requantize(100, multiplier: 0.25, zeroPoint: -10) == 15)
        #expect(Quantize.requantize(1_000_000, multiplier: 1, zeroPoint: 5) == 127)
        #expect(Quantize.requantize(Int32.min, multiplier: 1, zeroPoint: 5) == -128)
        #expect(Quantize.requantize(-50, multiplier: 1, zeroPoint: 3, range: 3...127) == 3)  // fused ReLU
    }

    @Test("bias: int32 with scale = input scale × weight scale")
    func biasQuantization() throws {
        let bias: [Float] = [0.5, -1.25, 0, 1e9]
        let q = try bias.withUnsafeBufferPointer { b throws(DLError) in
            try Quantize.quantizeBias(b, inputScale: 0.5, weightScales: [0.01, 0.02, 0.5, 1e-6])
        }
        #expect(q[0] == 100)
        #expect(q[1] == -125)
        #expect(q[2] == 0)
        #expect(q[3] == Int32.max)   // saturates
        #expect(throws: DLError.self) {
            try bias.withUnsafeBufferPointer { b throws(DLError) in
                _ = try Quantize.quantizeBias(b, inputScale: 0.5, weightScales: [1, 2])
            }
        }
    }

    @Test("requantization multipliers")
    func multipliers() {
        #expect(Quantize.requantizationScales(inputScale: 0.5, weightScales: [0.1, 0.2], outputScale: 0.25)
                == [0.5 * 0.1 / 0.25, 0.5 * 0.2 / 0.25])
    }

    #if arch(x86_64) || arch(arm64)
    @Test("float16 conversion matches Swift's Float16 on special and random values")
    func float16() {
        var rng = SeededGenerator(seed: 16)
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, 1e-8, 5.96e-8, 2.98e-8, 2.9802322e-8,
                               6.1e-5, 6.097e-5, .infinity, -.infinity, .leastNormalMagnitude, 1.0009765625,
                               1.00048828125, 1.00146484375]
        for _ in 0..<20000 { values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))) }
        for _ in 0..<20000 { values.append(Float.random(in: -70000...70000, using: &rng)) }
        for _ in 0..<5000 { values.append(Float.random(in: -1e-4...1e-4, using: &rng)) }
        for x in values {
            let bits = Quantize.float16Bits(x)
            if x.isNaN {
                #expect(Quantize.float(fromFloat16Bits: bits).isNaN)
                continue
            }
            #expect(bits == Float16(x).bitPattern, "\(x)")
            #expect(Quantize.float(fromFloat16Bits: bits) == Float(Float16(x)), "\(x)")
        }
    }
    #endif

    @Test("bfloat16 rounds to the nearer of the two neighbours, ties to even")
    func bfloat16() {
        var rng = SeededGenerator(seed: 1616)
        for _ in 0..<20000 {
            let x = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            let bits = Quantize.bfloat16Bits(x)
            if x.isNaN { #expect(Quantize.float(fromBFloat16Bits: bits).isNaN); continue }
            let down = UInt16(truncatingIfNeeded: x.bitPattern >> 16), up = down &+ 1
            let dDown = abs(Double(Quantize.float(fromBFloat16Bits: down)) - Double(x))
            let upValue = Quantize.float(fromBFloat16Bits: up)
            let dUp = upValue.isNaN ? .infinity : abs(Double(upValue) - Double(x))
            let expected = dDown < dUp ? down : (dUp < dDown ? up : (down & 1 == 0 ? down : up))
            #expect(bits == expected, "\(x)")
        }
        #expect(Quantize.bfloat16Bits(1 + 0x1p-8) == Quantize.bfloat16Bits(1))       // tie → even
        #expect(Quantize.float(fromBFloat16Bits: Quantize.bfloat16Bits(3.0)) == 3)
    }
}
