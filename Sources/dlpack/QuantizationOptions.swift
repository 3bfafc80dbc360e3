import ArgumentParser
import DLConvert
import DLFormat
import Foundation

/// The options `convert` and `quantize` share: how int8 calibration estimates ranges, which
/// nodes stay float, and how the file is compressed. Each command keeps its own target and
/// calibration-data options (their inputs differ).
struct QuantizationOptions: ParsableArguments {
    @Option(help: "Activation range estimate for int8: minmax or percentile.")
    var method: String = "minmax"

    @Option(help: "Percentile kept by --method percentile.")
    var percentile: Double = 99.99

    @Option(help: "Node names to keep in float, comma-separated (see `dlpack inspect`).")
    var exclude: String?

    @Option(help: "zstd level for weight blobs, 1...22; 0 stores them raw (usable in place from a memory map). Default: the writer's (zstd 19 with byte shuffling).")
    var compress: Int?

    func validate() throws {
        if calibrationMethod == nil {
            throw ValidationError("--method must be minmax or percentile (with --percentile above 50)")
        }
        if let compress, !(0...22).contains(compress) { throw ValidationError("--compress must be 0 (raw) to 22") }
    }

    var calibrationMethod: CalibrationMethod? { CalibrationMethod(name: method, percentile: percentile) }

    var excludedNodes: Set<String> {
        Set((exclude ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    var writeOptions: WriteOptions {
        compress.map { WriteOptions(encoding: $0 == 0 ? .raw : .zstd(level: Int32($0))) } ?? WriteOptions()
    }
}
