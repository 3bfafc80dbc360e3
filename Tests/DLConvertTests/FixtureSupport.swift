import DLConvert
import DLCore

/// Files made by Fixtures/make_fixtures.py (committed; numpy wrote the references).
enum Fixture {
    static let directory: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func importModel(_ name: String) throws -> ImportedModel {
        try OnnxImporter.importModel(try OnnxDecoder.read(path: path(name)))
    }

    static func floats(_ name: String) throws -> [Float] {
        try NpyFile.read(path: path(name)).floatValues
    }
}

extension ImportedModel {
    func nodes(_ op: OpCode) -> [Node] { graph.nodes.filter { $0.op == op } }
}
