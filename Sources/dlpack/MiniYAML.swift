import DLCore

/// The small subset of YAML a `dlpack train --config` file needs, read into the same
/// objects JSONSerialization produces (so one decoder serves both): top-level `key: value`
/// lines, lists as `[a, b]` or as `- item` lines under `key:`, `#` comments, scalars that
/// are integers, decimals, true/false, or (quoted or bare) strings. Anything else is an error
/// naming the line, never a guess.
enum MiniYAML {
    static func parse(_ text: String, name: String) throws(DLError) -> [String: Any] {
        var object: [String: Any] = [:]
        var listKey: String?
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = stripComment(String(rawLine))
            if line.allSatisfy(\.isWhitespace) { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                guard let key = listKey, line.first == " " || line.first == "-" else {
                    throw DLError(.invalidData, "\(name), line \(n + 1): a '- item' line belongs under a 'key:' line")
                }
                var list = object[key] as? [Any] ?? []
                list.append(scalar(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)))
                object[key] = list
                continue
            }
            guard line.first != " ", let colon = trimmed.firstIndex(of: ":") else {
                throw DLError(.invalidData, "\(name), line \(n + 1): expected 'key: value', found '\(trimmed)'")
            }
            let key = String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(trimmed[trimmed.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, object[key] == nil else {
                throw DLError(.invalidData, "\(name), line \(n + 1): \(key.isEmpty ? "an empty key" : "'\(key)' is given twice")")
            }
            if value.isEmpty {
                listKey = key
                object[key] = [Any]()
            } else if value.hasPrefix("[") {
                guard value.hasSuffix("]") else { throw DLError(.invalidData, "\(name), line \(n + 1): the list '\(value)' has no closing ]") }
                let inner = value.dropFirst().dropLast()
                object[key] = inner.allSatisfy(\.isWhitespace) ? [Any]()
                    : inner.split(separator: ",").map { scalar($0.trimmingCharacters(in: .whitespaces)) }
                listKey = nil
            } else {
                object[key] = scalar(value)
                listKey = nil
            }
        }
        return object
    }

    /// A comment starts at a `#` outside quotes.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        for (i, c) in line.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line.prefix(i))
            }
        }
        return line
    }

    private static func scalar(_ text: String) -> Any {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        if let i = Int(text) { return i }
        if let d = Double(text) { return d }
        if text == "true" { return true }
        if text == "false" { return false }
        return text
    }
}
