import Testing
import CDLKernels
@testable import DLKernels
import _TestSupport

@Suite struct Int8TableTests {
    @Test(arguments: [Int8Table.Function.sigmoid, .tanh, .gelu, .geluTanh])
    func tableMatchesDoublePrecisionQuantizedFunction(_ f: Int8Table.Function) {
        let (si, zi, so, zo): (Float, Int32, Float, Int32) = (0.05, -10, 1.0 / 128, -3)
        var table = [Int8](repeating: 0, count: 256)
        Int8Table.build(f, inputScale: si, inputZeroPoint: zi, outputScale: so, outputZeroPoint: zo, into: &table)
        let x: [Int8] = (-128...127).map { Int8($0) }
        var y = [Int8](repeating: 0, count: 256)
        Int8Table.apply(table, x, &y, count: 256)
        for (i, q) in x.enumerated() {
            let v = Double(Int32(q) - zi) * Double(si)
            let e: Double
            switch f {
            case .sigmoid: e = 1 / (1 + dlk_exp(-v))
            case .tanh: e = dlk_tanh(v)
            case .gelu: e = 0.5 * v * (1 + dlk_erf(v / 2.0.squareRoot()))
            case .geluTanh: e = 0.5 * v * (1 + dlk_tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            }
            let expected = min(max((e / Double(so)).rounded(.toNearestOrEven) + Double(zo), -128), 127)
            // one step of slack where float and double land on opposite sides of a rounding boundary
            #expect(abs(Double(y[i]) - expected) <= 1, "\(f) code \(q): \(y[i]) vs \(expected)")
        }
    }
}
