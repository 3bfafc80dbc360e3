import Foundation
import Testing
import _TestSupport

private func fixture(_ name: String) -> String { repositoryRoot + "/Tests/DLConvertTests/Fixtures/" + name }

@Suite("dlpack convert and run")
struct ConvertAndRunCommandTests {
    /// ONNX -> .dlpk -> run, against the outputs onnxruntime computed for the fixture.
    @Test(arguments: ["conv_bn_relu", "mlp2"])
    func convertedModelRunsLikeOnnxruntime(_ name: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/\(name).dlpk"
        let convert = try runDlpack(["convert", fixture(name + ".onnx"), model])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("-> \(model)"))
        let run = try runDlpack(["run", model, "--input", fixture(name + "_input.npy"), "--output-dir", dir + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        let got = try readNpy(dir + "/out/output_0.npy"), want = try readNpy(fixture(name + "_expected.npy"))
        #expect(got.shape == want.shape)
        #expect(allClose(got.values, want.values, rtol: 1e-4, atol: 1e-5), "max |diff| \(maxAbsDifference(got.values, want.values))")
    }

    /// int8 through convert's own calibration: close to the float outputs, not equal.
    @Test func convertToInt8StaysCloseToTheReference() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/mlp2_int8.dlpk"
        let convert = try runDlpack(["convert", fixture("mlp2.onnx"), model, "--quantize", "int8", "--calibrate", fixture("mlp2_input.npy")])
        #expect(convert.status == 0, "\(convert.stderr)")
        let run = try runDlpack(["run", model, "--input", fixture("mlp2_input.npy"), "--output-dir", dir])
        #expect(run.status == 0, "\(run.stderr)")
        let got = try readNpy(dir + "/output_0.npy").values, want = try readNpy(fixture("mlp2_expected.npy")).values
        let scale = want.map(abs).max() ?? 1
        #expect(maxAbsDifference(got, want) < 0.05 * scale)
    }

    @Test func notAnOnnxFileIsOneLineAndExitStatus1() throws {
        let result = try runDlpack(["convert", goldenPath("f32_raw"), "/tmp/dlpack-never.dlpk"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("dlpack: not an ONNX model"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/dlpack-never.dlpk"))
    }

    @Test func anUnsupportedOpIsNamed() throws {
        let result = try runDlpack(["convert", fixture("unsupported.onnx"), "/tmp/dlpack-never.dlpk"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
    }

    @Test func convertInt8WithoutCalibrationIsAUsageError() throws {
        let result = try runDlpack(["convert", fixture("mlp2.onnx"), "x.dlpk", "--quantize", "int8"])
        #expect(result.status == 64)
        #expect(result.stderr == "dlpack: --quantize int8 needs --calibrate DATA.npy|DIR (see 'dlpack convert --help')\n")
    }

    @Test func runWithAWrongInputNameIsOneLineAndExitStatus1() throws {
        let result = try runDlpack(["run", goldenPath("f32_raw"), "--input", "nope=" + fixture("mlp2_input.npy"), "--output-dir", "/tmp/dlpack-never"])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: \(goldenPath("f32_raw")) has no input 'nope' (inputs: x)\n")
    }

    @Test func runWithAWrongShapeNamesBothShapes() throws {
        // conv_bn_relu's input [2, 3, 8, 8] into the golden Dense model's [?, 16].
        let result = try runDlpack(["run", goldenPath("f32_raw"), "--input", fixture("conv_bn_relu_input.npy"), "--output-dir", "/tmp/dlpack-never"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.contains("[2, 3, 8, 8]") || result.stderr.contains("rank 4"), "\(result.stderr)")
    }

    @Test func runWithoutInputsIsAUsageError() throws {
        let result = try runDlpack(["run", goldenPath("f32_raw"), "--output-dir", "/tmp/dlpack-never"])
        #expect(result.status == 64)
        #expect(isOneErrorLine(result.stderr))
    }

    @Test(arguments: ["convert", "run", "compare"])
    func helpHasAnExample(_ command: String) throws {
        let result = try runDlpack([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:") && result.stdout.contains("dlpack \(command) "))
        #expect(result.stdout.contains("Exit status:"))
    }
}

@Suite("dlpack run: CSV and top-k")
struct RunTopKTests {
    /// CSV rows in (the stored standardization applied), top-2 printed: the printed classes and
    /// probabilities are the softmax of the scores written to output_0.npy, and the best class
    /// is the row's label.
    @Test func topKIsTheSoftmaxOfTheOutputs() throws {
        let fixture = try blobsModel.get()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try runDlpack(["run", fixture.model, "--input", fixture.csv, "--top-k", "2", "--output-dir", dir])
        #expect(result.status == 0, "\(result.stderr)")
        let scores = try readNpy(dir + "/output_0.npy")
        #expect(scores.shape == [150, 3])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 150)
        let labels = try String(contentsOfFile: fixture.csv, encoding: .utf8).split(separator: "\n").dropFirst().map { Int($0.split(separator: ",").last!)! }
        var correct = 0
        for (n, line) in lines.enumerated() {
            let row = Array(scores.values[3 * n ..< 3 * n + 3]).map(Double.init)
            let e = row.map { Foundation.exp($0 - row.max()!) }
            let p = e.map { $0 / e.reduce(0, +) }
            let order = p.indices.sorted { p[$0] > p[$1] }
            #expect(line == "sample \(n): \(order[0]) (\(String(format: "%.3f", p[order[0]]))), \(order[1]) (\(String(format: "%.3f", p[order[1]])))")
            if order[0] == labels[n] { correct += 1 }
        }
        #expect(correct >= 145, "\(correct) of 150")
    }

    @Test func aCSVOfTheWrongWidthIsOneLineAndExitStatus1() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["run", fixture.model, "--input", repositoryRoot + "/Tests/Data/digits.csv", "--top-k", "1"])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: \(repositoryRoot)/Tests/Data/digits.csv has 65 columns, the model takes 4 features (plus an optional label column)\n")
    }
}

@Suite("dlpack compare")
struct CompareCommandTests {
    /// A model against itself: no error anywhere, full agreement.
    @Test func aModelAgreesWithItself() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["compare", fixture.model, fixture.model, "--data", fixture.csv])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("150 samples"))
        let row = try #require(compareOutputRow(result.stdout), "\(result.stdout)")
        #expect(row == [0, 0, 0, 100])
        #expect(result.stdout.contains("relu_out"), "intermediate layers are compared too")
    }

    @Test func missingDataIsOneLineAndExitStatus1() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["compare", fixture.model, fixture.model, "--data", "/nonexistent/x.npy"])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: calibration data '/nonexistent/x.npy' does not exist\n")
    }

    @Test func modelsWithDifferentInputsAreNotComparable() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["compare", fixture.model, goldenPath("f32_raw"), "--data", fixture.csv])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
    }
}
