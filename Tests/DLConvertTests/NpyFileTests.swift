import DLConvert
import DLCore
import Testing

@Suite struct NpyFileTests {
    @Test func reads_what_numpy_wrote() throws {
        let f = try NpyFile.read(path: Fixture.path("npy_f32.npy"))
        #expect(f.dims == [2, 3, 4])
        #expect(f.floatValues == (0..<24).map { Float($0) / 7 })
        let i = try NpyFile.read(path: Fixture.path("npy_i64.npy"))
        #expect(i.int64Values == [-3, 5, 7, 1 << 40])
        let u = try NpyFile.read(path: Fixture.path("npy_u8_scalar.npy"))
        #expect(u.dims == [] && u.int64Values == [200])
    }

    @Test func encode_then_decode_round_trips() throws {
        let t = HostTensor(floats: [1, -2.5, 3e-8, 4], dims: [2, 2])
        #expect(try NpyFile.decode(NpyFile.encode(t)) == HostTensor(type: .float, dims: [2, 2], bytes: t.bytes))
    }

    @Test func truncated_files_are_refused() throws {
        let bytes = NpyFile.encode(HostTensor(floats: [1, 2, 3], dims: [3]))
        for n in [0, 5, 20, bytes.count - 1] {
            #expect(throws: DLError.self) { _ = try NpyFile.decode(Array(bytes[0..<n])) }
        }
    }
}
