import Testing
import DLCore
@testable import DLKernels

@Suite struct DispatchTests {
    @Test func availableLevelsIncludePortableAndDetected() {
        let levels = Dispatch.available
        #expect(levels.first == .portable)
        #expect(levels.contains(Dispatch.detected))
        #expect(levels.allSatisfy { $0.rawValue <= Dispatch.detected.rawValue })
    }

    @Test func levelNamesRoundTrip() {
        for isa in ISA.allCases { #expect(ISA(named: isa.description) == isa) }
        #expect(ISA(named: "sse9") == nil)
        #expect(ISA(named: "vnni") == .avx512VNNI)
    }

    @Test func forcingALevelTheCPULacksThrows() {
        #if arch(x86_64)
        let foreign = ISA.neon
        #else
        let foreign = ISA.avx2
        #endif
        #expect(throws: DLError.self) { try Dispatch.force(foreign) }
    }
}

extension KernelLevelTests {
    @Test func forceAndResetChangeTheActiveLevel() throws {
        for isa in Dispatch.available {
            try Dispatch.force(isa)
            #expect(Dispatch.active == isa)
        }
        Dispatch.reset()
        #expect(Dispatch.active == Dispatch.detected)
    }
}
