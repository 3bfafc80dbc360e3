/// Places buffers in one arena so that buffers alive at the same time never overlap,
/// and buffers whose lifetimes are disjoint share memory.
///
/// Greedy by size (largest first), each at the lowest aligned offset that does not collide
/// with an already placed buffer whose lifetime intersects its own: the classic heuristic
/// of TFLite's arena planner, near-optimal for the chains and small DAGs of inference graphs.
enum MemoryPlanner {
    struct Buffer {
        var bytes: Int
        /// First and last step (inclusive) during which the buffer holds live data.
        var first: Int
        var last: Int
    }

    static let alignment = 64

    /// Offsets (one per buffer) and the arena size they need.
    static func place(_ buffers: [Buffer]) -> (offsets: [Int], size: Int) {
        var offsets = [Int](repeating: 0, count: buffers.count)
        let order = buffers.indices.sorted { a, b in
            buffers[a].bytes != buffers[b].bytes ? buffers[a].bytes > buffers[b].bytes : a < b
        }
        var placed = [Int]()
        var size = 0
        for i in order {
            let b = buffers[i]
            // Placed buffers alive at the same time, by offset.
            let conflicts = placed.filter { buffers[$0].first <= b.last && b.first <= buffers[$0].last }
                .sorted { offsets[$0] < offsets[$1] }
            var offset = 0
            for j in conflicts {
                if offset + b.bytes <= offsets[j] { break }
                offset = max(offset, align(offsets[j] + buffers[j].bytes))
            }
            offsets[i] = offset
            size = max(size, offset + b.bytes)
            placed.append(i)
        }
        return (offsets, align(size))
    }

    @inline(__always) static func align(_ n: Int) -> Int { (n + alignment - 1) & ~(alignment - 1) }
}
