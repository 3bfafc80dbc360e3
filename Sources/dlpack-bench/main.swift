import DLKernels
import Foundation

// dlpack-bench: kernel benchmarks that run their peer (numpy, ...) in the same run and print
// the ratio. Usage: dlpack-bench [name ...] [--rounds N]; no name runs them all.
// To add one: write `enum XBench { static func run(rounds: Int) }` and list it here.
let benchmarks: [(name: String, summary: String, run: (Int) -> Void)] = [
    ("gemm", "fp32 and int8 GEMM vs numpy (OpenBLAS), 1 and 2 threads", GemmBench.run),
    ("train", "digits MLP and MNIST-5k CNN training vs PyTorch (same split, hyperparameters, threads)", TrainBenchmark.run),
]

var names: [String] = []
var rounds = 3
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    if arg == "--rounds", let n = args.popFirst().flatMap({ Int($0) }), n > 0 {
        rounds = n
    } else if arg == "--help" || arg == "-h" {
        print("usage: dlpack-bench [name ...] [--rounds N]   (DLPK_ISA=portable|avx2|avx512|vnni forces a level)")
        for b in benchmarks { print("  \(b.name): \(b.summary)") }
        exit(0)
    } else {
        names.append(arg)
    }
}
for name in names where !benchmarks.contains(where: { $0.name == name }) {
    print("unknown benchmark '\(name)'; known: \(benchmarks.map(\.name).joined(separator: ", "))")
    exit(2)
}
print("dlpack-bench   ISA: detected \(Dispatch.detected), active \(Dispatch.active)")
for b in benchmarks where names.isEmpty || names.contains(b.name) {
    b.run(rounds)
}
