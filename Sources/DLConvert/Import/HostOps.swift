import DLCore
import DLKernels

/// Conversion-time evaluation of the few ops that compute shapes and constants
/// (Shape → Gather → Concat → Reshape and friends), on `HostTensor`s.
/// Data movement works on raw elements, so it is exact for every element type.
enum HostOps {
    static func strides(_ dims: [Int]) -> [Int] { Shape(dims).strides }

    /// Element bytes of `t` at flat index `i`.
    static func element(_ t: HostTensor, _ i: Int) -> ArraySlice<UInt8> {
        let s = t.type.byteSize
        return t.bytes[i * s ..< (i + 1) * s]
    }

    static func transpose(_ t: HostTensor, perm: [Int]) -> HostTensor {
        let outDims = perm.map { t.dims[$0] }
        let inStrides = strides(t.dims)
        let outCount = outDims.reduce(1, *)
        var bytes = [UInt8]()
        bytes.reserveCapacity(t.bytes.count)
        var index = [Int](repeating: 0, count: outDims.count)
        for _ in 0..<outCount {
            var src = 0
            for (k, p) in perm.enumerated() { src += index[k] * inStrides[p] }
            bytes.append(contentsOf: element(t, src))
            var k = outDims.count - 1
            while k >= 0 { index[k] += 1; if index[k] < outDims[k] { break }; index[k] = 0; k -= 1 }
        }
        return HostTensor(name: t.name, type: t.type, dims: outDims, bytes: bytes)
    }

    static func concat(_ parts: [HostTensor], axis: Int) -> HostTensor {
        var dims = parts[0].dims
        dims[axis] = parts.reduce(0) { $0 + $1.dims[axis] }
        let outer = dims[..<axis].reduce(1, *)
        var bytes = [UInt8]()
        for o in 0..<outer {
            for p in parts {
                let chunk = p.dims[axis...].reduce(1, *) * p.type.byteSize
                bytes.append(contentsOf: p.bytes[o * chunk ..< (o + 1) * chunk])
            }
        }
        return HostTensor(type: parts[0].type, dims: dims, bytes: bytes)
    }

    static func gather(_ data: HostTensor, indices: [Int64], indexDims: [Int], axis: Int, _ node: OnnxNode) throws(DLError) -> HostTensor {
        let n = data.dims[axis]
        let outer = data.dims[..<axis].reduce(1, *)
        let inner = data.dims[(axis + 1)...].reduce(1, *) * data.type.byteSize
        var bytes = [UInt8]()
        for o in 0..<outer {
            for raw in indices {
                let i = raw < 0 ? Int(raw) + n : Int(raw)
                guard i >= 0, i < n else { throw DLError(.invalidModel, "\(node.label): index \(raw) is outside 0..<\(n)") }
                let start = (o * n + i) * inner
                bytes.append(contentsOf: data.bytes[start ..< start + inner])
            }
        }
        let dims = Array(data.dims[..<axis]) + indexDims + Array(data.dims[(axis + 1)...])
        return HostTensor(type: data.type, dims: dims, bytes: bytes)
    }

    /// ONNX Slice along `axes`, with clamped starts/ends and non-zero steps.
    static func slice(_ t: HostTensor, starts: [Int64], ends: [Int64], axes: [Int], steps: [Int64]) -> HostTensor {
        var ranges = t.dims.map { Array(0..<$0) }
        for (k, axis) in axes.enumerated() {
            let n = Int64(t.dims[axis]), step = steps[k]
            var s = starts[k] < 0 ? starts[k] + n : starts[k]
            var e = ends[k] < 0 ? ends[k] + n : ends[k]
            if step > 0 { s = min(max(s, 0), n); e = min(max(e, 0), n) } else { s = min(max(s, -1), n - 1); e = min(max(e, -1), n - 1) }
            ranges[axis] = Array(stride(from: Int(s), to: Int(e), by: Int(step)))
        }
        let dims = ranges.map(\.count)
        let inStrides = strides(t.dims)
        var bytes = [UInt8]()
        var index = [Int](repeating: 0, count: dims.count)
        let count = dims.reduce(1, *)
        for _ in 0..<count {
            var src = 0
            for k in 0..<dims.count { src += ranges[k][index[k]] * inStrides[k] }
            bytes.append(contentsOf: element(t, src))
            var k = dims.count - 1
            while k >= 0 { index[k] += 1; if index[k] < dims[k] { break }; index[k] = 0; k -= 1 }
        }
        return HostTensor(type: t.type, dims: dims, bytes: bytes)
    }

    /// numpy broadcasting of two shapes, or nil when they do not broadcast.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for k in 0..<rank {
            let da = k < rank - a.count ? 1 : a[k - (rank - a.count)]
            let db = k < rank - b.count ? 1 : b[k - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { return nil }
            out[k] = da == 1 ? db : da
        }
        return out
    }

    /// Element-wise arithmetic with broadcasting; integer types compute in Int64
    /// (Div truncates, as ONNX integer Div does), floats in Double.
    static func binary(_ a: HostTensor, _ b: HostTensor, _ op: String, _ node: OnnxNode) throws(DLError) -> HostTensor {
        guard let dims = broadcast(a.dims, b.dims) else {
            throw DLError(.shapeMismatch, "\(node.label): shapes \(a.dims) and \(b.dims) do not broadcast")
        }
        let count = dims.reduce(1, *)
        func sourceIndex(_ flat: Int, _ d: [Int]) -> Int {
            var rem = flat, idx = 0, stride = 1
            var k = dims.count - 1, j = d.count - 1
            while k >= 0 {
                let coord = rem % dims[k]; rem /= dims[k]
                if j >= 0 { if d[j] != 1 { idx += coord * stride }; stride *= d[j]; j -= 1 }
                k -= 1
            }
            return idx
        }
        if a.type.isFloatingPoint {
            var out = [Float]()
            out.reserveCapacity(count)
            for i in 0..<count {
                let x = a.double(at: sourceIndex(i, a.dims)), y = b.double(at: sourceIndex(i, b.dims))
                let r: Double = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : x / y
                out.append(Float(r))
            }
            return HostTensor(floats: out, dims: dims)
        }
        var out = [Int64]()
        out.reserveCapacity(count)
        for i in 0..<count {
            let x = a.int64(at: sourceIndex(i, a.dims)), y = b.int64(at: sourceIndex(i, b.dims))
            if op == "Div" && y == 0 { throw DLError(.invalidModel, "\(node.label): integer division by zero") }
            out.append(op == "Add" ? x &+ y : op == "Sub" ? x &- y : op == "Mul" ? x &* y : x / y)
        }
        return cast(HostTensor(int64s: out, dims: dims), to: a.type)
    }

    /// Converts element types (floats round-trip through Double, integers through Int64).
    static func cast(_ t: HostTensor, to type: OnnxElementType) -> HostTensor {
        if t.type == type { return t }
        var bytes = [UInt8]()
        bytes.reserveCapacity(t.count * type.byteSize)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        for i in 0..<t.count {
            let d = t.double(at: i)
            let n = t.type.isFloatingPoint ? (d.isFinite && abs(d) < 9.2e18 ? Int64(d) : 0) : t.int64(at: i)
            switch type {
            case .float: append(Float(d).bitPattern)
            case .double: append(d.bitPattern)
            case .float16: append(Quantize.float16Bits(Float(d)))
            case .bfloat16: append(Quantize.bfloat16Bits(Float(d)))
            case .bool: bytes.append(d != 0 ? 1 : 0)
            case .int8: append(Int8(truncatingIfNeeded: n))
            case .uint8: append(UInt8(truncatingIfNeeded: n))
            case .int16: append(Int16(truncatingIfNeeded: n))
            case .uint16: append(UInt16(truncatingIfNeeded: n))
            case .int32: append(Int32(truncatingIfNeeded: n))
            case .uint32: append(UInt32(truncatingIfNeeded: n))
            case .int64: append(n)
            case .uint64: append(UInt64(bitPattern: n))
            }
        }
        return HostTensor(name: t.name, type: type, dims: t.dims, bytes: bytes)
    }
}

extension HostTensor {
    /// The same values in another element type (as `numpy.astype`).
    public func converted(to type: OnnxElementType) -> HostTensor { HostOps.cast(self, to: type) }
}
