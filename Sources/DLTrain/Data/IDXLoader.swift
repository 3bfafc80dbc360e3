import DLCore

/// IDX files, MNIST's format: 0, 0, element type, rank; big-endian UInt32 dimensions;
/// big-endian values. `.gz` files are decompressed.
public enum IDXLoader {
    public static func read(path: String) throws(DLError) -> (shape: [Int], values: [Float]) {
        try parse(FileBytes.read(path), name: path)
    }

    public static func parse(_ b: [UInt8], name: String = "idx") throws(DLError) -> (shape: [Int], values: [Float]) {
        guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw DLError(.badMagic, "\(name) is not an IDX file") }
        let size: Int
        switch b[2] {
        case 0x08, 0x09: size = 1
        case 0x0B: size = 2
        case 0x0C, 0x0D: size = 4
        case 0x0E: size = 8
        default: throw DLError(.unsupportedDType, "\(name): IDX element type 0x\(String(b[2], radix: 16))")
        }
        let rank = Int(b[3])
        guard b.count >= 4 + 4 * rank else { throw DLError(.truncated, "\(name): dimensions are truncated") }
        var shape: [Int] = []
        var count = 1
        for i in 0..<rank {
            let o = 4 + 4 * i
            let d = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
            shape.append(d)
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DLError(.limitExceeded, "\(name): shape \(shape) is too large") }
            count = p
        }
        let start = 4 + 4 * rank
        guard count <= (b.count - start) / size else {
            throw DLError(.truncated, "\(name): \(count) elements do not fit in \(b.count - start) bytes")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            for j in 0..<size { raw = raw << 8 | UInt64(b[start + i * size + j]) }
            switch b[2] {
            case 0x08: values[i] = Float(raw)
            case 0x09: values[i] = Float(Int8(bitPattern: UInt8(raw)))
            case 0x0B: values[i] = Float(Int16(bitPattern: UInt16(raw)))
            case 0x0C: values[i] = Float(Int32(bitPattern: UInt32(raw)))
            case 0x0D: values[i] = Float(bitPattern: UInt32(raw))
            default: values[i] = Float(Double(bitPattern: raw))
            }
        }
        return (shape, values)
    }

    /// An MNIST-style data set from an images file [n, h, w] and a labels file [n]:
    /// samples shaped [1, h, w] (channels first), pixel values as stored.
    public static func images(imagesPath: String, labelsPath: String, classes: Int = 10) throws(DLError) -> Dataset {
        let (shape, pixels) = try read(path: imagesPath)
        let (lshape, labels) = try read(path: labelsPath)
        guard shape.count == 3, lshape == [shape[0]] else {
            throw DLError(.shapeMismatch, "\(imagesPath) has shape \(shape), \(labelsPath) has \(lshape)")
        }
        return try Dataset(features: pixels, sampleShape: [1, shape[1], shape[2]],
                           targets: .labels(labels.map { Int($0) }, classes: classes))
    }
}
