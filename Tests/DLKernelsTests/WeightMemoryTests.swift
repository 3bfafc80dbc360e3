import Testing
@testable import DLKernels

@Suite struct WeightMemoryTests {
    @Test("weights are 64-byte aligned, and aligned to a huge page from 2 MiB up", arguments: [2, 100, 4096, 2 << 20, (3 << 20) + 5])
    func alignment(bytes: Int) {
        let p = WeightMemory.allocate(byteCount: bytes)
        defer { WeightMemory.deallocate(p) }
        let address = UInt(bitPattern: p)
        #expect(address % 64 == 0)
        #if os(Linux)
        if bytes >= 2 << 20 { #expect(address % UInt(2 << 20) == 0) }
        #endif
        // The whole range is usable: write a pattern at both ends and read it back.
        p.storeBytes(of: 0xA5, toByteOffset: 0, as: UInt8.self)
        p.storeBytes(of: 0x5A, toByteOffset: bytes - 1, as: UInt8.self)
        #expect(p.load(fromByteOffset: 0, as: UInt8.self) == 0xA5)
        #expect(p.load(fromByteOffset: bytes - 1, as: UInt8.self) == 0x5A)
    }
}
