import Testing
@testable import DLCore

@Suite struct ShapeTests {
    @Test func elementCountAndStrides() {
        let s = Shape([2, 3, 4])
        #expect(s.elementCount == 24)
        #expect(s.strides == [12, 4, 1])
        #expect(s.description == "[2, 3, 4]")
    }

    @Test func dynamicDimensionHasNoCount() {
        let s = Shape([Shape.dynamic, 10])
        #expect(!s.isStatic)
        #expect(s.elementCount == nil)
        #expect(s.resolvingDynamic(with: 64) == Shape([64, 10]))
    }

    @Test func overflowingShapeHasNoCount() {
        #expect(Shape([Int.max / 2, 3]).elementCount == nil)
        #expect(DType.float32.storageBytes(count: Int.max / 2) == nil)
        #expect(DType.int4.storageBytes(count: 7) == 4)
    }

    @Test func quantParamsValidation() throws {
        try QuantParams(scales: [0.5, 0.25], zeroPoints: [0, 0], axis: 0).validate(for: Shape([2, 8]))
        #expect(throws: DLError.self) {
            try QuantParams(scales: [0.5], zeroPoints: [0], axis: 0).validate(for: Shape([2, 8]))
        }
        #expect(throws: DLError.self) {
            try QuantParams(scale: .infinity, zeroPoint: 0).validate(for: Shape([4]))
        }
    }

    @Test func opCodesAreUniqueAndNamed() {
        let raw = OpCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(OpCode.allCases.allSatisfy { !$0.name.isEmpty })
    }
}
