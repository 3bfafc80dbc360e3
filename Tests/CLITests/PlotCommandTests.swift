import Foundation
import Testing

@Suite("dlpack plot")
struct PlotCommandTests {
    /// A history with a known shape: loss falling from 2, accuracy rising to 0.9.
    private func writeHistory(_ dir: String) throws -> String {
        let epochs = (1...12).map { e in
            "{\"loss\": \(2.0 / Double(e)), \"accuracy\": \(0.9 - 0.5 / Double(e)), \"val_loss\": \(2.2 / Double(e)), \"val_accuracy\": \(0.85 - 0.5 / Double(e)), \"lr\": 0.001}"
        }
        let path = dir + "/history.json"
        try "{\"epochs\": [\(epochs.joined(separator: ", "))]}".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func historyBecomesAnSVGAndAPNGChart() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try runDlpack(["plot", "--history", try writeHistory(dir), "--out", dir + "/curves", "--title", "my run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote \(dir)/curves.svg\nwrote \(dir)/curves.png\n")

        // SVG: a line per series (lr left out), both axes titled, a legend entry per series, 12 epochs.
        let svg = try String(contentsOfFile: dir + "/curves.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
        for label in [">my run<", ">epoch<", ">loss<", ">val_loss<", ">accuracy<", ">val_accuracy<", ">12<"] {
            #expect(svg.contains(label), "\(label)")
        }
        #expect(!svg.contains(">lr<"))
        #expect(try svgIsWellFormed(dir + "/curves.svg") != false)

        // PNG: decodes (zlib and CRC checked by Python), twice the SVG's size, mostly white
        // paper, and ink in each series colour and the text colour.
        guard let png = try PNGProbe.read(dir + "/curves.png") else { return }
        #expect(png.crc_ok && png.chunks == ["IHDR", "IDAT", "IEND"])
        #expect(svg.contains("width=\"\(png.width / 2)\" height=\"\(png.height / 2)\""))
        let total = png.width * png.height
        #expect(Double(png.colors["ffffff"] ?? 0) / Double(total) > 0.6)
        for color in ["1f77b4", "d62728", "2ca02c", "ff7f0e"] {
            #expect((png.colors[color] ?? 0) > 300, "series colour \(color): \(png.colors[color] ?? 0) pixels")
        }
        #expect((png.colors["222222"] ?? 0) > 2000, "text pixels")
    }

    @Test func savedMatrixBecomesAHeatMap() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let matrix = dir + "/m.json"
        try #"{"labels": ["cat", "dog"], "counts": [[5, 1], [2, 7]]}"#.write(toFile: matrix, atomically: true, encoding: .utf8)
        let result = try runDlpack(["plot", "--matrix", matrix, "--out", dir + "/cm", "--format", "svg", "--title", "cats & dogs <v2>"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cm.png"))
        let svg = try String(contentsOfFile: dir + "/cm.svg", encoding: .utf8)
        #expect(try svgIsWellFormed(dir + "/cm.svg") != false)
        // 12 of 15 on the diagonal.
        #expect(svg.contains(">cats &amp; dogs &lt;v2&gt; (accuracy 80.00%, 15 samples)<"))
        for count in [">5<", ">1<", ">2<", ">7<", ">cat<", ">dog<", ">predicted class<", ">true class<"] {
            #expect(svg.contains(count), "\(count)")
        }
    }

    @Test func modelAndLabelledDataGiveTheConfusionMatrix() throws {
        let fixture = try blobsModel.get()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try runDlpack(["plot", "--model", fixture.model, "--data", fixture.csv, "--out", dir + "/cm"])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: dir + "/cm.svg", encoding: .utf8)
        // Every blob row is classified: the counts in the cells add up to the 150 rows.
        #expect(svg.contains("150 samples"))
        let cells = svg.components(separatedBy: "text-anchor=\"middle\" fill=\"#").dropFirst().compactMap { piece -> Int? in
            guard let open = piece.firstIndex(of: ">"), let close = piece.firstIndex(of: "<") else { return nil }
            return Int(piece[piece.index(after: open)..<close])
        }
        #expect((150...153).contains(cells.reduce(0, +)), "the cells and the three column labels")
        guard let png = try PNGProbe.read(dir + "/cm.png") else { return }
        #expect(png.crc_ok && (png.colors["08306b"] ?? 0) > 1000, "full-row cells in the darkest shade")
    }

    @Test func aFileThatIsNotAHistoryIsOneLineAndExitStatus1() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"loss\": [1, 2]}".write(toFile: dir + "/h.json", atomically: true, encoding: .utf8)
        let result = try runDlpack(["plot", "--history", dir + "/h.json", "--out", dir + "/x"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("dlpack: \(dir)/h.json is not a training history"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.svg"))
    }

    @Test func aNonSquareMatrixIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"counts": [[1, 2], [3]]}"#.write(toFile: dir + "/m.json", atomically: true, encoding: .utf8)
        let result = try runDlpack(["plot", "--matrix", dir + "/m.json", "--out", dir + "/x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("square matrix"))
    }

    @Test(arguments: [["--out", "x"], ["--history", "h.json", "--matrix", "m.json", "--out", "x"],
                      ["--model", "m.dlpk", "--out", "x"], ["--history", "h.json", "--out", "x", "--format", "jpeg"]])
    func aWrongCommandLineIsExitStatus64(_ arguments: [String]) throws {
        let result = try runDlpack(["plot"] + arguments)
        #expect(result.status == 64)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
    }
}
