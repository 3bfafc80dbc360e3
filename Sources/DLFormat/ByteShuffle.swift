/// The byte-plane shuffle filter (BlobFilter.byteShuffle) and its inverse.
///
/// For n elements of w bytes, plane b holds byte b of every element:
/// `shuffled[b * n + i] = raw[i * w + b]`. Trailing bytes that do not fill an
/// element (none for valid tensors) are copied unchanged.
enum ByteShuffle {
    static func shuffle(_ raw: UnsafeRawBufferPointer, elementSize w: Int, into out: UnsafeMutableRawBufferPointer) {
        let n = raw.count / w
        for b in 0..<w {
            let plane = b * n
            var i = 0
            while i < n {
                out[plane + i] = raw[i * w + b]
                i += 1
            }
        }
        var t = n * w
        while t < raw.count {
            out[t] = raw[t]
            t += 1
        }
    }

    static func unshuffle(_ shuffled: UnsafeRawBufferPointer, elementSize w: Int, into out: UnsafeMutableRawBufferPointer) {
        let n = shuffled.count / w
        for b in 0..<w {
            let plane = b * n
            var i = 0
            while i < n {
                out[i * w + b] = shuffled[plane + i]
                i += 1
            }
        }
        var t = n * w
        while t < shuffled.count {
            out[t] = shuffled[t]
            t += 1
        }
    }
}
