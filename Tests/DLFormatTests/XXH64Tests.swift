import DLFormat
import Testing

@Suite("XXH64")
struct XXH64Tests {
    /// Published values from the xxHash documentation and README.
    @Test func publishedVectors() {
        #expect(XXH64.hash(Array("".utf8)) == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXH64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    }

    /// Values computed with the reference C implementation (python-xxhash 3.x) for
    /// byte i = (i * 131 + 7) mod 256, covering every tail path (lengths around 4, 8, 32)
    /// and a non-zero seed.
    @Test(arguments: [
        (0, 0xef46db3751d8e999, 0xc4349fc93c010000),
        (1, 0xa96c7f0ce858bbb7, 0x585882422a6165e7),
        (3, 0xbed43740ee6332bb, 0x45fa1406538fa168),
        (4, 0xfa212ae44b3bb23d, 0xa65107f22943365a),
        (7, 0x2744460dd675d2c0, 0xc9b637e2c4599de2),
        (8, 0x994b676b71ce94dd, 0xce592d5f53e192ec),
        (15, 0x09e6451ed2ff8b1d, 0x47a857d1f90c35e1),
        (31, 0x6711d55e306b5d8f, 0x24c4e99ab0404b5e),
        (32, 0x07f7b8e3bc5d6e25, 0x046e99bbda1a814b),
        (33, 0x09f85eeb4e1cbe9f, 0xd7fe2bfee6e4cded),
        (63, 0xb7c9968c066cb6a5, 0xbd457f9ea47180c8),
        (64, 0x50d4159a0411632e, 0xa768f350a8e4fcf6),
        (100, 0x9ddada11d3dc2d8f, 0x35546bd9a4779ae4),
        (1000, 0x0bf0bdbcc82eb373, 0x3ecb5d7b5e7c64cf),
        (4097, 0x00811ab3925b884a, 0x3f882283094b9128),
    ] as [(Int, UInt64, UInt64)])
    func referenceVectors(length: Int, seed0: UInt64, seedGolden: UInt64) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        #expect(XXH64.hash(bytes) == seed0)
        #expect(XXH64.hash(bytes, seed: 0x9E37_79B9_7F4A_7C15) == seedGolden)
    }
}
