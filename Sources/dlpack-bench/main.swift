if CommandLine.arguments.dropFirst().first == "train" {
    TrainBenchmark.run(rounds: 1)
} else {
    print("dlpack-bench")
}
