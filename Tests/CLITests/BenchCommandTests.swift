import Foundation
import Testing

@Suite("dlpack bench")
struct BenchCommandTests {
    /// Percentiles in order, mean between the extremes, throughput = batch / mean.
    @Test func jsonReportsConsistentFiguresPerThreadCount() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["bench", fixture.model, "--batch", "8", "--threads", "1-2", "--runs", "30", "--warmup", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "no progress line when stderr is not a terminal")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["threads"] as? Int } == [1, 2])
        for row in rows {
            let p50 = try #require(row["p50Microseconds"] as? Double), p90 = try #require(row["p90Microseconds"] as? Double)
            let p99 = try #require(row["p99Microseconds"] as? Double), mean = try #require(row["meanMicroseconds"] as? Double)
            let throughput = try #require(row["samplesPerSecond"] as? Double)
            #expect(0 < p50 && p50 <= p90 && p90 <= p99)
            #expect(mean > 0 && mean <= p99 * 30)
            #expect(abs(throughput - 8 / (mean / 1e6)) / throughput < 1e-3)
            #expect(row["batch"] as? Int == 8 && row["runs"] as? Int == 30)
        }
    }

    @Test func tablePrintsOneRowPerThreadCount() throws {
        let fixture = try blobsModel.get()
        let result = try runDlpack(["bench", fixture.model, "--threads", "1,2", "--runs", "10"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| threads | p50"))
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("| 1 ") || $0.hasPrefix("| 2 ") }.count == 2)
    }

    @Test func aMissingModelIsOneLineAndExitStatus1() throws {
        let result = try runDlpack(["bench", "/nonexistent/model.dlpk"])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: /nonexistent/model.dlpk: cannot open: no such file or directory\n")
    }

    @Test(arguments: ["0", "1,x", "", "3-2", "1,", "1-2000"])
    func badThreadCountsAreAUsageError(_ threads: String) throws {
        let result = try runDlpack(["bench", "m.dlpk", "--threads", threads])
        #expect(result.status == 64)
        #expect(result.stderr == "dlpack: --threads must list thread counts 1...1024, as in 1,2 or 1-4 (see 'dlpack bench --help')\n")
    }
}
