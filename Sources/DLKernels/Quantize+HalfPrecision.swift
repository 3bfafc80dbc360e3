import DLCore

/// IEEE half precision and bfloat16 conversions, written on bit patterns so that they behave
/// the same on every platform (Swift's `Float16` is missing on some), rounding half to even.
extension Quantize {
    /// The binary16 bit pattern nearest to `x` (ties to even; overflow gives ±inf; NaN stays NaN).
    public static func float16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        let sign = UInt16(truncatingIfNeeded: (b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xff)
        var mant = b & 0x7f_ffff
        if exp == 0xff {   // inf or NaN (quiet, keeping the top payload bits)
            return sign | 0x7c00 | (mant != 0 ? 0x200 | UInt16(truncatingIfNeeded: mant >> 13) : 0)
        }
        let e = exp - 127 + 15
        if e >= 31 { return sign | 0x7c00 }
        if e <= 0 {        // subnormal half (or zero): units of 2^-24
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            var h = mant >> shift
            let rem = mant & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && h & 1 == 1) { h += 1 }
            return sign | UInt16(truncatingIfNeeded: h)
        }
        var h = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1fff
        if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) { h += 1 }  // a carry may reach inf: correct
        return sign | UInt16(truncatingIfNeeded: h)
    }

    /// The Float of a binary16 bit pattern (exact).
    public static func float(fromFloat16Bits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32((h >> 10) & 0x1f), mant = UInt32(h & 0x3ff)
        if exp == 0 {
            let magnitude = Float(mant) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | mant << 13) }
        return Float(bitPattern: sign | (exp + 112) << 23 | mant << 13)
    }

    /// The bfloat16 bit pattern nearest to `x` (ties to even; NaN stays a quiet NaN).
    public static func bfloat16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: b >> 16) | 0x40 }
        let rounded = b &+ 0x7fff &+ ((b >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// The Float of a bfloat16 bit pattern (exact).
    public static func float(fromBFloat16Bits h: UInt16) -> Float {
        Float(bitPattern: UInt32(h) << 16)
    }
}

extension Quantize {
    /// Converts Floats to binary16 bit patterns (round half to even).
    public static func float16(_ input: UnsafeBufferPointer<Float>,
                               into output: UnsafeMutableBufferPointer<UInt16>) throws(DLError) {
        guard output.count >= input.count else {
            throw DLError(.bufferTooSmall, "float16: output has \(output.count) elements, needs \(input.count)")
        }
        for i in 0..<input.count { output[i] = float16Bits(input[i]) }
    }

    /// Converts binary16 bit patterns to Floats (exact).
    public static func float(fromFloat16 input: UnsafeBufferPointer<UInt16>,
                             into output: UnsafeMutableBufferPointer<Float>) throws(DLError) {
        guard output.count >= input.count else {
            throw DLError(.bufferTooSmall, "float16: output has \(output.count) elements, needs \(input.count)")
        }
        for i in 0..<input.count { output[i] = float(fromFloat16Bits: input[i]) }
    }

    /// Converts Floats to bfloat16 bit patterns (round half to even).
    public static func bfloat16(_ input: UnsafeBufferPointer<Float>,
                                into output: UnsafeMutableBufferPointer<UInt16>) throws(DLError) {
        guard output.count >= input.count else {
            throw DLError(.bufferTooSmall, "bfloat16: output has \(output.count) elements, needs \(input.count)")
        }
        for i in 0..<input.count { output[i] = bfloat16Bits(input[i]) }
    }

    /// Converts bfloat16 bit patterns to Floats (exact).
    public static func float(fromBFloat16 input: UnsafeBufferPointer<UInt16>,
                             into output: UnsafeMutableBufferPointer<Float>) throws(DLError) {
        guard output.count >= input.count else {
            throw DLError(.bufferTooSmall, "bfloat16: output has \(output.count) elements, needs \(input.count)")
        }
        for i in 0..<input.count { output[i] = float(fromBFloat16Bits: input[i]) }
    }
}
