import Foundation
import Testing
import DLCore
@testable import DLTrain

@Suite struct LoaderTests {
    static func fixture(_ name: String) -> String { TestData.path("loaders/" + name) }

    @Test(arguments: ["stored", "fixed", "dynamic"])
    func gzipDecompressesEveryBlockType(_ kind: String) throws {
        let plain = try FileBytes.read(Self.fixture("inflate_plain.bin"))
        let packed = [UInt8](FileManager.default.contents(atPath: Self.fixture("inflate_\(kind).gz"))!)
        #expect(try Gzip.decompress(packed) == plain)
    }

    @Test func truncatedOrCorruptGzipIsAnError() throws {
        let packed = [UInt8](FileManager.default.contents(atPath: Self.fixture("inflate_dynamic.gz"))!)
        #expect(throws: DLError.self) { try Gzip.decompress(Array(packed.prefix(packed.count / 2))) }
        var flipped = packed
        flipped[packed.count - 6] ^= 0xff   // inside the stored CRC/size trailer
        #expect(throws: DLError.self) { try Gzip.decompress(flipped) }
        #expect(throws: DLError.self) { try Gzip.decompress([0x1f, 0x8b, 8, 0]) }
    }

    @Test func npyFilesOfSeveralTypes() throws {
        let f = try NPYLoader.read(path: Self.fixture("f32_2x3.npy"))
        #expect(f.shape == [2, 3] && f.values == [1.5, -2, 3, 4, 5.25, -6])
        let i = try NPYLoader.read(path: Self.fixture("i64be_4.npy"))
        #expect(i.shape == [4] && i.values == [-3, 0, 7, Float(1 << 40)])
        let u = try NPYLoader.read(path: Self.fixture("u8_2x2.npy.gz"))
        #expect(u.shape == [2, 2] && u.values == [0, 255, 17, 128])
        #expect(throws: DLError.self) { try NPYLoader.parse(Array("not numpy".utf8)) }
    }

    @Test func npyWriterOutputIsReadBackAndByNumpysLayout() throws {
        let bytes = NPYWriter.encode(shape: [2, 2], values: [1, -2.5, 3, 4])
        #expect((bytes.count - 16) % 64 == 0)   // data starts at a multiple of 64 bytes, as numpy writes it
        let back = try NPYLoader.parse(bytes)
        #expect(back.shape == [2, 2] && back.values == [1, -2.5, 3, 4])
        let vector = try NPYLoader.parse(NPYWriter.encode(shape: [3], values: [7, 8, 9]))
        #expect(vector.shape == [3])
    }

    @Test func idxImagesAndLabels() throws {
        let data = try IDXLoader.images(imagesPath: Self.fixture("images.idx3.gz"), labelsPath: Self.fixture("labels.idx1.gz"))
        #expect(data.sampleShape == [1, 3, 2] && data.count == 2)
        #expect(data.features == (0..<12).map { Float($0 * 20) })
        #expect(data.targets.labels == [7, 1])
        let floats = try IDXLoader.read(path: Self.fixture("floats.idx"))
        #expect(floats.shape == [3] && floats.values == [1.5, -2, 0.25])
        #expect(throws: DLError.self) {
            try IDXLoader.images(imagesPath: Self.fixture("images.idx3.gz"), labelsPath: Self.fixture("labels.idx1.gz"), classes: 5)
        }
    }

    @Test func csvWithHeaderAndLabels() throws {
        let table = try CSVLoader.parse("a,b,label\n1,2,0\n\n3.5,-4,1\n")
        #expect(table.columns == ["a", "b", "label"] && table.rows == 2 && table.values == [1, 2, 0, 3.5, -4, 1])
        #expect(throws: DLError.self) { try CSVLoader.parse("1,2\n3\n") }
        #expect(throws: DLError.self) { try CSVLoader.parse("1,2\n3,x\n") }
    }

    @Test func mnistSubsetLoadsFromGzipCSV() throws {
        let (train, test) = try TestData.mnist()
        #expect(train.count == 4000 && test.count == 1000 && train.sampleShape == [1, 28, 28])
        for c in 0..<10 {
            #expect(train.targets.labels!.filter { $0 == c }.count == 400)
            #expect(test.targets.labels!.filter { $0 == c }.count == 100)
        }
        #expect(train.features.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func scalersStandardizeAndMinMax() throws {
        let d = try Dataset(features: [1, 10, 3, 10, 5, 10], sampleShape: [2], targets: .values([0, 0, 0], shape: [1]))
        let s = FeatureScaler.standardize(d).apply(d)
        #expect(maxDifference(s.features, [-1.2247449, 0, 0, 0, 1.2247449, 0]) < 1e-5)
        let m = FeatureScaler.minMax(d).apply(d)
        #expect(m.features == [0, 0, 0.5, 0, 1, 0])
        #expect(try oneHot([2, 0], classes: 3).data == [0, 0, 1, 1, 0, 0])
        // Two 2-channel 1×2 images: channel 0 holds 0, 2, 4, 6 (mean 3, std √5), channel 1 all 1.
        let images = try Dataset(features: [0, 2, 1, 1, 4, 6, 1, 1], sampleShape: [2, 1, 2], targets: .values([0, 0], shape: [1]))
        let perChannel = FeatureScaler.perChannel(images)
        let root5 = Float(5).squareRoot()
        let meta = perChannel.metadata
        #expect(meta.mean == [3, 1])
        #expect(abs(meta.std[0] - root5) < 1e-5)
        #expect(meta.std[1] == 1 && meta.channelAxis == 1)
        let scaled = perChannel.apply(images).features[1]
        #expect(abs(scaled + 1 / root5) < 1e-5)
        #expect(throws: DLError.self) { try oneHot([3], classes: 3) }
    }

    @Test func seededShuffleAndBatching() throws {
        let d = try Dataset(features: (0..<10).map(Float.init), sampleShape: [1], targets: .values([Float](repeating: 0, count: 10), shape: [1]))
        #expect(d.shuffled(seed: 3).features == d.shuffled(seed: 3).features)
        #expect(d.shuffled(seed: 3).features != d.shuffled(seed: 4).features)
        #expect(d.shuffled(seed: 3).features.sorted() == d.features)
        var rng: SeededRandom? = nil
        #expect(d.batches(size: 4, shuffle: &rng) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let folds = try d.folds(5, seed: 1)
        #expect(folds.count == 5 && folds.allSatisfy { $0.train.count == 8 && $0.validation.count == 2 })
        #expect(Set(folds.flatMap { $0.validation.features }).count == 10)
    }
}
