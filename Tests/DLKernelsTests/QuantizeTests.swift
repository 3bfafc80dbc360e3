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

    @Test func badRangesThrow() {
        let x: [Float] = [1, 2]
        var q = [Int8](repeating: 0, count: 2)
        #expect(throws: DLError.self) {
            try x.withUnsafeBufferPointer { src throws(DLError) in
                try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                    try Quantize.quantize(src, shape: Shape([2]), params: QuantParams(scale: 1, zeroPoint: 0),
                                          range: -200...200, into: dst)
                }
            }
        }
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

    @Test("int8Weights on a recurrent W [directions, rows, inputs], axis 1: one scale per row from both directions")
    func int8WeightsPerRowAcrossDirections() throws {
        // Row 0 peaks at 2 (direction 1), row 1 at -0.5 (direction 0), row 2 at 0.4 (direction 1);
        // row 3 is all zeros.
        let w: [Float] = [0.5, -1, 0.25, -0.5, 0.1, 0.2, 0, 0,
                          0, 2, 0.3, 0.1, 0.4, -0.2, 0, 0]
        let (p, q) = try w.withUnsafeBufferPointer { buf throws(DLError) in
            try Quantize.int8Weights(buf, shape: Shape([2, 4, 2]), axis: 1)
        }
        #expect(p.axis == 1 && p.zeroPoints == [0, 0, 0, 0])
        #expect(p.scales == [Float(2) / 127, Float(0.5) / 127, Float(0.4) / 127, 1])
        for i in w.indices {
            let row = (i / 2) % 4
            #expect(q[i] >= -127)
            #expect(Float(q[i]) == Quantize.roundHalfEven(w[i] / p.scales[row]))
        }
        #expect(q[3] == -127 && q[9] == 127 && q[12] == 127)
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

extension KernelLevelTests {
    @Test("buffer quantize/dequantize (SIMD) are bit-exact with the scalar rules at every level",
          arguments: Dispatch.available)
    func bufferQuantizeMatchesScalar(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var rng = SeededGenerator(seed: 31)
        let scale: Float = 0.05, zp: Int32 = -7
        for count in [1, 7, 15, 16, 17, 63, 1000] {
            var x = (0..<count).map { _ in Float.random(in: -8...8, using: &rng) }
            // Exact ties, specials and saturation.
            let specials: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 2.5 * scale, -2.5 * scale,
                                     3.5 * scale, 0, -0.0]
            for (i, v) in specials.enumerated() where i < count { x[(i * 7) % count] = v }
            var q = [Int8](repeating: 0, count: count)
            let params = QuantParams(scale: scale, zeroPoint: zp)
            try x.withUnsafeBufferPointer { src throws(DLError) in
                try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                    try Quantize.quantize(src, shape: Shape([count]), params: params, into: dst)
                }
            }
            let expected = x.map { Int8(Quantize.quantize($0, scale: scale, zeroPoint: zp)) }
            #expect(q == expected, "\(isa) count \(count)")

            var back = [Float](repeating: 0, count: count)
            try q.withUnsafeBufferPointer { src throws(DLError) in
                try back.withUnsafeMutableBufferPointer { dst throws(DLError) in
                    try Quantize.dequantize(src, shape: Shape([count]), params: params, into: dst)
                }
            }
            let expectedBack = q.map { Quantize.dequantize(Int32($0), scale: scale, zeroPoint: zp) }
            #expect(back.map(\.bitPattern) == expectedBack.map(\.bitPattern), "\(isa) count \(count)")
        }
    }
}

extension KernelLevelTests {
    @Test("uint8 buffer quantize/dequantize are bit-exact with the scalar rules at every level, per tensor and per channel",
          arguments: Dispatch.available)
    func bufferQuantizeUInt8MatchesScalar(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var rng = SeededGenerator(seed: 37)
        for count in [1, 7, 8, 15, 16, 17, 63, 1000] {
            var x = (0..<count).map { _ in Float.random(in: -8...8, using: &rng) }
            let specials: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 0.125, -0.125, 0.375, 0, -0.0]
            for (i, v) in specials.enumerated() where i < count { x[(i * 7) % count] = v }
            // Per tensor, and per channel along axis 0 of [2, count] (two runs with their own zero points).
            let cases: [(Shape, QuantParams, [Float])] = [
                (Shape([count]), QuantParams(scale: 0.05, zeroPoint: 131), x),
                (Shape([2, count]), QuantParams(scales: [0.05, 0.25], zeroPoints: [0, 255], axis: 0), x + x),
            ]
            for (shape, params, values) in cases {
                var q = [UInt8](repeating: 0, count: values.count)
                try values.withUnsafeBufferPointer { src throws(DLError) in
                    try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                        try Quantize.quantize(src, shape: shape, params: params, into: dst)
                    }
                }
                let channel = { (i: Int) in params.scales.count == 1 ? 0 : i / count }
                let expected = values.indices.map { i in
                    UInt8(Quantize.quantize(values[i], scale: params.scales[channel(i)], zeroPoint: params.zeroPoints[channel(i)],
                                            range: Quantize.uint8Range))
                }
                #expect(q == expected, "\(isa) count \(count) \(shape)")

                var back = [Float](repeating: 0, count: values.count)
                try q.withUnsafeBufferPointer { src throws(DLError) in
                    try back.withUnsafeMutableBufferPointer { dst throws(DLError) in
                        try Quantize.dequantize(src, shape: shape, params: params, into: dst)
                    }
                }
                let expectedBack = q.indices.map { i in
                    Float(Int32(q[i]) - params.zeroPoints[channel(i)]) * params.scales[channel(i)]
                }
                #expect(back.map(\.bitPattern) == expectedBack.map(\.bitPattern), "\(isa) count \(count) \(shape)")
            }
        }
    }
}

@Suite struct IntegerDequantizeTests {
    @Test("uint8 saturates at 0 and 255; int8 ranges are refused for uint8 output")
    func uint8Saturation() throws {
        let x: [Float] = [-1e6, -0.1, 0, 0.1, 12.7, 1e6, 2.5, 3.5]
        var q = [UInt8](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { src throws(DLError) in
            try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.quantize(src, shape: Shape([x.count]), params: QuantParams(scale: 1, zeroPoint: 10), into: dst)
            }
        }
        // -1e6 → 0; -0.1 → 10; 0 → 10; 12.7 → 23; 1e6 → 255; 2.5 → 12 (half to even); 3.5 → 14.
        #expect(q == [0, 10, 10, 10, 23, 255, 12, 14])
        #expect(throws: DLError.self) {
            try x.withUnsafeBufferPointer { src throws(DLError) in
                try q.withUnsafeMutableBufferPointer { dst throws(DLError) in
                    try Quantize.quantize(src, shape: Shape([x.count]), params: QuantParams(scale: 1, zeroPoint: 0),
                                          range: -128...127, into: dst)
                }
            }
        }
    }

    @Test("int32 dequantize: (q − zp) × scale per channel, without overflow at the int32 extremes")
    func int32() throws {
        let q: [Int32] = [.max, .min, 0, 7, -7, 100]
        let params = QuantParams(scales: [0.5, 0.25], zeroPoints: [-5, 3], axis: 0)
        var y = [Float](repeating: 0, count: q.count)
        try q.withUnsafeBufferPointer { src throws(DLError) in
            try y.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.dequantize(src, shape: Shape([2, 3]), params: params, into: dst)
            }
        }
        let expected: [Float] = [Float(Double(Int32.max) + 5) * 0.5, Float(Double(Int32.min) + 5) * 0.5, 2.5,
                                 1, -2.5, 24.25]
        #expect(y == expected)
    }
}

@Suite struct HalfPrecisionBufferTests {
    @Test("buffer conversions round-trip exactly representable values and reject short outputs")
    func roundTrip() throws {
        let x: [Float] = [0, 1, -2.5, 65504, 0x1p-24, 3.140625]
        var h = [UInt16](repeating: 0, count: x.count), back = [Float](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { src throws(DLError) in
            try h.withUnsafeMutableBufferPointer { dst throws(DLError) in try Quantize.float16(src, into: dst) }
        }
        try h.withUnsafeBufferPointer { src throws(DLError) in
            try back.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.float(fromFloat16: src, into: dst)
            }
        }
        #expect(back == x)
        let b: [Float] = [0, 1, -2.5, 3.140625, 1e30]
        var hb = [UInt16](repeating: 0, count: b.count), backB = [Float](repeating: 0, count: b.count)
        try b.withUnsafeBufferPointer { src throws(DLError) in
            try hb.withUnsafeMutableBufferPointer { dst throws(DLError) in try Quantize.bfloat16(src, into: dst) }
        }
        try hb.withUnsafeBufferPointer { src throws(DLError) in
            try backB.withUnsafeMutableBufferPointer { dst throws(DLError) in
                try Quantize.float(fromBFloat16: src, into: dst)
            }
        }
        #expect(Array(backB[0..<4]) == Array(b[0..<4]))
        #expect(abs(backB[4] - 1e30) / 1e30 < 1.0 / 256)
        var short = [UInt16](repeating: 0, count: 2)
        #expect(throws: DLError.self) {
            try x.withUnsafeBufferPointer { src throws(DLError) in
                try short.withUnsafeMutableBufferPointer { dst throws(DLError) in try Quantize.float16(src, into: dst) }
            }
        }
    }
}
