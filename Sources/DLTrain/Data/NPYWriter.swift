import DLCore

/// Writes float32 arrays as numpy `.npy` (version 1.0, little-endian, C order), e.g. to hand
/// a data split to numpy or PyTorch. Written to a temporary name and renamed.
public enum NPYWriter {
    public static func encode(shape: [Int], values: [Float]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad so that the data starts at a multiple of 64 bytes, ending with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        bytes += [UInt8(n & 0xff), UInt8(n >> 8)] + Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    public static func write(path: String, shape: [Int], values: [Float]) throws(DLError) {
        try AtomicFile.write(encode(shape: shape, values: values), to: path)
    }
}
