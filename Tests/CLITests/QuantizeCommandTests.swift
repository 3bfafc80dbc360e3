import Foundation
import Testing

/// The dtypes of a model's constants, as `dlpack inspect --json` reports them.
private func constantDtypes(_ path: String) throws -> [String] {
    let inspect = try runDlpack(["inspect", "--json", path])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    let tensors = try #require(json["tensors"] as? [[String: Any]])
    return tensors.filter { $0["blob"] != nil }.compactMap { $0["dtype"] as? String }
}

/// The output row of `dlpack compare`: max |err|, mean |err|, rel. RMS and argmax agreement (%).
func compareOutputRow(_ stdout: String) -> [Double]? {
    guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("output ") }) else { return nil }
    let cells = line.split(separator: " ").suffix(4).map { String($0).replacingOccurrences(of: "%", with: "") }
    let values = cells.compactMap(Double.init)
    return values.count == 4 ? values : nil
}

@Suite("dlpack quantize")
struct QuantizeCommandTests {
    /// int8 calibrated on CSV rows (the model's stored standardization applied): int8
    /// weights, and the quantized model agrees with its float original on the same rows.
    @Test func int8FromCSVAgreesWithTheFloatModel() throws {
        let fixture = try blobsModel.get()
        let out = fixture.directory + "/int8-\(UInt32.random(in: 0...UInt32.max)).dlpk"
        let result = try runDlpack(["quantize", fixture.model, out, "--to", "int8", "--calibrate", fixture.csv])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 layer(s) quantized"))
        let dtypes = try constantDtypes(out)
        #expect(dtypes.filter { $0 == "i8" }.count == 2 && !dtypes.contains("f32"), "\(dtypes)")

        let compare = try runDlpack(["compare", fixture.model, out, "--data", fixture.csv])
        #expect(compare.status == 0, "\(compare.stderr)")
        let row = try #require(compareOutputRow(compare.stdout), "\(compare.stdout)")
        #expect(row[2] < 0.05, "relative RMS error \(row[2])")
        #expect(row[3] >= 98, "argmax agreement \(row[3])%")
    }

    /// Calibration from a .npy of model inputs, percentile ranges, one layer kept in float.
    @Test func int8FromNpyWithAnExcludedLayer() throws {
        let fixture = try blobsModel.get()
        let npy = fixture.directory + "/calib-\(UInt32.random(in: 0...UInt32.max)).npy"
        // Standardized blobs: the classes sit near -1.2, 0 and 1.2 on every feature.
        var values: [Float] = []
        for r in 0..<60 {
            for k in 0..<4 { values.append(Float(r % 3 - 1) * 1.2 + Float((r * 7 + k) % 10) / 50) }
        }
        try writeNpy(values, shape: [60, 4], to: npy)
        let out = npy.replacingOccurrences(of: ".npy", with: ".dlpk")
        let result = try runDlpack(["quantize", fixture.model, out, "--to", "int8", "--calibrate", npy,
                                    "--method", "percentile", "--exclude", "dense_1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 layer(s) quantized"))
        let dtypes = try constantDtypes(out)
        #expect(dtypes.filter { $0 == "i8" }.count == 1 && dtypes.filter { $0 == "f32" }.count == 2, "\(dtypes)")
    }

    @Test func fp16HalvesTheWeightsAndKeepsTheOutputs() throws {
        let fixture = try blobsModel.get()
        let out = fixture.directory + "/fp16-\(UInt32.random(in: 0...UInt32.max)).dlpk"
        let result = try runDlpack(["quantize", fixture.model, out, "--to", "fp16", "--compress", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let dtypes = try constantDtypes(out)
        #expect(dtypes.filter { $0 == "f16" }.count == 2, "\(dtypes)")
        let compare = try runDlpack(["compare", fixture.model, out, "--data", fixture.csv, "--no-layers"])
        let row = try #require(compareOutputRow(compare.stdout), "\(compare.stdout)")
        #expect(row[2] < 2e-3 && row[3] == 100, "\(row)")
    }

    /// Dynamic-range int8 needs no data: int8 weights, float biases, and the outputs agree
    /// with the float model's on the training rows.
    @Test func dynamicNeedsNoCalibrationAndAgreesWithTheFloatModel() throws {
        let fixture = try blobsModel.get()
        let out = fixture.directory + "/dynamic-\(UInt32.random(in: 0...UInt32.max)).dlpk"
        let result = try runDlpack(["quantize", fixture.model, out, "--to", "dynamic"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 layer(s) quantized"))
        let dtypes = try constantDtypes(out)
        #expect(dtypes.filter { $0 == "i8" }.count == 2 && dtypes.filter { $0 == "f32" }.count == 2, "\(dtypes)")
        let inspect = try runDlpack(["inspect", out])
        #expect(inspect.stdout.contains(".dlpk format 1.2") && inspect.stdout.contains("dynamic_quantization=1"), "\(inspect.stdout)")
        let compare = try runDlpack(["compare", fixture.model, out, "--data", fixture.csv, "--no-layers"])
        let row = try #require(compareOutputRow(compare.stdout), "\(compare.stdout)")
        #expect(row[2] < 0.05 && row[3] >= 98, "\(row)")
    }

    @Test func aQuantizedModelIsRefused() throws {
        let fixture = try blobsModel.get()
        let int8 = fixture.directory + "/twice-\(UInt32.random(in: 0...UInt32.max)).dlpk"
        #expect(try runDlpack(["quantize", fixture.model, int8, "--to", "fp16"]).status == 0)
        let result = try runDlpack(["quantize", int8, fixture.directory + "/never.dlpk", "--to", "fp16"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.contains("is already quantized"))
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/never.dlpk"))
    }

    @Test func badCalibrationDataNamesTheProblem() throws {
        let fixture = try blobsModel.get()
        let csv = fixture.directory + "/wide-\(UInt32.random(in: 0...UInt32.max)).csv"
        try "a,b,c,d,e,f\n1,2,3,4,5,6\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try runDlpack(["quantize", fixture.model, fixture.directory + "/never.dlpk", "--to", "int8", "--calibrate", csv])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: \(csv) has 6 columns, the model takes 4 features (plus an optional label column)\n")
        let verbose = try runDlpack(["quantize", fixture.model, fixture.directory + "/never.dlpk", "--to", "int8", "--calibrate", csv, "--verbose"])
        #expect(verbose.stderr.contains("error code: shapeMismatch"))
    }

    @Test func unknownExclusionIsAnError() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["quantize", fixture.model, fixture.directory + "/never.dlpk", "--to", "int8",
                                    "--calibrate", fixture.csv, "--exclude", "no_such_layer"])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: --exclude names nodes the model does not have: no_such_layer\n")
    }

    @Test(arguments: [["--to", "int4"], ["--to", "int8"], ["--to", "fp16", "--calibrate", "x.npy"],
                      ["--to", "dynamic", "--calibrate", "x.npy"]])
    func aWrongCommandLineIsOneLineAndExitStatus64(_ options: [String]) throws {
        let result = try runDlpack(["quantize", "in.dlpk", "out.dlpk"] + options)
        #expect(result.status == 64)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.contains("(see 'dlpack quantize --help')"))
    }

    @Test func helpHasAnExampleAndTheExitCodes() throws {
        let result = try runDlpack(["quantize", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("dlpack quantize model.dlpk model_fp16.dlpk --to fp16"))
        #expect(result.stdout.contains("Exit status: 0 success; 1"))
    }
}
