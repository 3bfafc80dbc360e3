import DLCore
import DLFormat
import Foundation

/// `dlpack inspect --stats`: what each blob encoding would store for this model's
/// constants (grouped by dtype), and how long loading takes with each. This is the
/// measurement behind the figures in format/SPEC.md (format/bench/measure.py runs it).
struct InspectStats: Encodable {
    struct Encoding: Encodable {
        var name: String
        var storedBytes: [String: Int]
        var totalStoredBytes: Int
        var fileBytes: Int
        var writeSeconds: Double
    }

    struct LoadTime: Encodable {
        var encoding: String
        var verifyChecksums: Bool
        var fileBytes: Int
        var medianMilliseconds: Double
        var minMilliseconds: Double
    }

    var parameters: [String: Int]
    var rawBytes: [String: Int]
    var encodings: [Encoding]
    var loadTimes: [LoadTime]
    var loadRepetitions: Int

    static let candidates: [(String, BlobEncoding)] = [
        ("raw", .raw),
        ("zstd-3", .zstd(level: 3, filter: .none)),
        ("zstd-19", .zstd(level: 19, filter: .none)),
        ("shuffle+zstd-3", .zstd(level: 3, filter: .byteShuffle)),
        ("shuffle+zstd-19", .zstd(level: 19, filter: .byteShuffle)),
    ]

    init(model: DLPKModel, repetitions: Int) throws {
        var parameters: [String: Int] = [:]
        var raw: [String: Int] = [:]
        for (i, t) in model.graph.tensors.enumerated() where t.kind == .constant {
            parameters[t.dtype.name, default: 0] += t.shape.elementCount ?? 0
            raw[t.dtype.name, default: 0] += model.constantBytes(i)?.count ?? 0
        }
        self.parameters = parameters
        rawBytes = raw
        loadRepetitions = repetitions

        let directory = NSTemporaryDirectory() + "dlpack-stats-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        encodings = []
        loadTimes = []
        for (name, encoding) in InspectStats.candidates {
            let start = DispatchTime.now()
            let file = try model.serialize(options: WriteOptions(encoding: encoding))
            let writeSeconds = seconds(since: start)
            let back = try DLPKModel.load(bytes: file)
            var stored: [String: Int] = [:]
            for (i, t) in back.graph.tensors.enumerated() {
                if let b = back.blobs[i] { stored[t.dtype.name, default: 0] += b.storedSize }
            }
            encodings.append(Encoding(name: name, storedBytes: stored, totalStoredBytes: stored.values.reduce(0, +),
                                      fileBytes: file.count, writeSeconds: writeSeconds))
            if name == "raw" || name == "zstd-3" || name == "shuffle+zstd-19" {
                let path = directory + "/\(name).dlpk"
                try Data(file).write(to: URL(fileURLWithPath: path))
                for verify in name == "raw" ? [true, false] : [true] {
                    loadTimes.append(try InspectStats.timeLoading(path: path, encoding: name, verify: verify,
                                                                  fileBytes: file.count, repetitions: repetitions))
                }
            }
        }
    }

    /// Median and best of `repetitions` opens (warm page cache), each dropping the model.
    private static func timeLoading(path: String, encoding: String, verify: Bool, fileBytes: Int,
                                    repetitions: Int) throws -> LoadTime {
        var times: [Double] = []
        for _ in 0..<max(repetitions, 1) {
            let start = DispatchTime.now()
            let model = try DLPKModel.open(path: path, options: ReadOptions(verifyChecksums: verify))
            withExtendedLifetime(model) {}
            times.append(seconds(since: start) * 1000)
        }
        times.sort()
        return LoadTime(encoding: encoding, verifyChecksums: verify, fileBytes: fileBytes,
                        medianMilliseconds: times[times.count / 2], minMilliseconds: times[0])
    }

    func text() -> String {
        let dtypes = rawBytes.keys.sorted()
        var out = "\ncompression of the constants (stored bytes; ratio = raw / stored):\n"
        for dtype in dtypes {
            let rawSize = rawBytes[dtype] ?? 0
            out += "  \(dtype): \(parameters[dtype] ?? 0) values, raw \(rawSize) B\n"
            for e in encodings {
                let s = e.storedBytes[dtype] ?? 0
                out += "    " + e.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                out += String(format: "%10d B  %5.2fx  (write %.2f s for the whole model)\n",
                              s, s == 0 ? 1 : Double(rawSize) / Double(s), e.writeSeconds)
            }
        }
        out += "load time (DLPKModel.open, warm page cache, \(loadRepetitions) runs):\n"
        for l in loadTimes {
            out += "  " + l.encoding.padding(toLength: 16, withPad: " ", startingAt: 0)
            out += String(format: "%10d B  median %.3f ms  best %.3f ms%@\n", l.fileBytes, l.medianMilliseconds,
                          l.minMilliseconds, l.verifyChecksums ? "" : "  (checksums not verified)")
        }
        return out
    }
}

private func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
