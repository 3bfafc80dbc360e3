import Foundation
import Testing

@Suite("dlpack demo")
struct DemoCommandTests {
    @Test func helpShowsExamples() throws {
        let result = try runDlpack(["demo", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("dlpack demo --quick"))
        #expect(result.stdout.contains("--out"))
    }

    /// The full demo (10 epochs, libdlpk built and run from C) is for release builds: see
    /// the README. Here: two epochs, in-process runtime, and the table, files and chart it promises.
    @Test func quickDemoPrintsTheTableAndWritesItsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dlpack-demo-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try runDlpack(["demo", "--quick", "--no-c", "--out", dir, "--data", repositoryRoot + "/Tests/Data/digits.csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| fp32") || $0.hasPrefix("| int8") }
        #expect(rows.count == 2, "\(result.stdout)")
        // After two epochs the runtime's accuracy is well above chance (10%), for both precisions.
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let accuracy = Double(cells[1].dropLast()) ?? 0
            #expect(accuracy > 50, "\(row)")
        }
        #expect(result.stdout.contains("DLRuntime in-process"))
        for name in ["digits_fp32.dlpk", "digits_int8.dlpk", "history.csv", "history.json", "training.svg", "training.png",
                     "confusion.json", "confusion.svg", "confusion.png"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)")
        }
        // The int8 file is the smaller one; the history has a row per epoch; the chart has axes and a legend.
        let size = { (name: String) in (try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0 }
        #expect(size("digits_int8.dlpk") < size("digits_fp32.dlpk"))
        let history = try String(contentsOfFile: dir + "/history.csv", encoding: .utf8).split(separator: "\n")
        #expect(history.first == "epoch,loss,accuracy,val_loss,val_accuracy" && history.count == 3)
        let svg = try String(contentsOfFile: dir + "/training.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "<polyline").count == 5)
        #expect(svg.contains(">epoch</text>") && svg.contains(">val_accuracy</text>"))
        #expect(result.stdout.contains("libdlpk from C and Python: skipped (--no-c)"))

        // The saved history and matrix redraw through `dlpack plot`; the PNGs decode.
        let redraw = try runDlpack(["plot", "--history", dir + "/history.json", "--out", dir + "/again", "--format", "svg"])
        #expect(redraw.status == 0, "\(redraw.stderr)")
        let again = try String(contentsOfFile: dir + "/again.svg", encoding: .utf8)
        #expect(again.components(separatedBy: "<polyline").count == 5)
        let matrix = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/confusion.json"))) as? [String: Any])
        let counts = try #require(matrix["counts"] as? [[Int]])
        // One count per test image ("digits: N training and M test images").
        let words = result.stdout.split(separator: "\n").first { $0.hasPrefix("digits: ") }?.split(separator: " ") ?? []
        let testImages = words.firstIndex(of: "test").flatMap { Int(words[$0 - 1]) }
        #expect(counts.count == 10 && counts.allSatisfy { $0.count == 10 })
        #expect(testImages != nil && counts.joined().reduce(0, +) == testImages)
        for image in ["training.png", "confusion.png"] {
            guard let png = try PNGProbe.read(dir + "/" + image) else { continue }
            #expect(png.crc_ok && png.width > 600, "\(image)")
        }
    }

    @Test func aMissingDataFileIsOneLineAndExitStatusOne() throws {
        let result = try runDlpack(["demo", "--quick", "--no-c", "--out", "/tmp/dlpack-demo-never", "--data", "/nonexistent/digits.csv"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("dlpack: /nonexistent/digits.csv not found"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
