if CommandLine.arguments.dropFirst().first == "train" {
    do { try TrainBenchmark.run(Array(CommandLine.arguments.dropFirst(2))) } catch { print("error: \(error)") }
} else {
    print("dlpack-bench")
}
