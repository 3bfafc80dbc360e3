import DLCore
import DLFormat
import Foundation
import Testing
import _TestSupport

@Suite("Mutation fuzzing")
struct MutationFuzzTests {
    /// Random byte mutations anywhere in every golden file, with the header and manifest
    /// checksums recomputed and blob checksums not verified, so that the mutations reach
    /// the decoder, the validation and zstd: each load succeeds or throws a DLError,
    /// never crashes. DLPK_FUZZ_ITERATIONS sets the count per golden file (default 300).
    @Test func resealedRandomMutationsNeverCrash() throws {
        try regenerateGoldensIfAsked()
        let iterations = Int(ProcessInfo.processInfo.environment["DLPK_FUZZ_ITERATIONS"] ?? "") ?? 300
        var rng = SeededGenerator(seed: 2026)
        var refused = 0
        var loaded = 0
        for golden in goldenCases {
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: golden.path)))
            let manifestSize = headerField(file, at: 32, bytes: 8)
            for _ in 0..<iterations {
                var corrupt = file
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 8..<corrupt.count, using: &rng)
                    corrupt[at] = UInt8.random(in: 0...255, using: &rng)
                }
                let sum = XXH64.hash(Array(corrupt[64..<(64 + manifestSize)]))
                corrupt = patchHeader(corrupt, at: 48, bytes: 8, value: sum)
                do {
                    let model = try DLPKModel.load(bytes: corrupt, options: ReadOptions(verifyChecksums: false))
                    for i in model.graph.tensors.indices where model.graph.tensors[i].kind == .constant {
                        let bytes = try #require(model.constantBytes(i))
                        #expect(bytes.count == model.blobs[i]?.rawSize)
                    }
                    loaded += 1
                } catch {
                    refused += 1
                }
            }
        }
        #expect(loaded + refused == iterations * goldenCases.count)
        print("corrupt-file suite: \(loaded + refused) resealed random mutations (\(refused) refused, \(loaded) loaded)")
    }
}
