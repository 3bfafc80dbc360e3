// swift-tools-version:6.1
//
// dlpack: train in Swift, save as .dlpk, run anywhere through libdlpk's C ABI.
// Module layout and dependency arrows: ../shared/DESIGN.md and README.md.
// No unsafe compiler flags here, so that others can depend on this package by version;
// the SIMD kernels get their ISA through C target attributes instead.
import PackageDescription

let package = Package(
    name: "dlpack",
    products: [
        // MARK: - Public API
        /// libdlpk.so: the runtime behind the C ABI in include/dlpk.h.
        .library(name: "dlpk", type: .dynamic, targets: ["DLCAPI"]),
        /// libdlpk_static.a, installed as libdlpk.a.
        .library(name: "dlpk_static", type: .static, targets: ["DLCAPI"]),
        /// The Swift API: training, conversion and the runtime.
        .library(name: "DLPack", targets: ["DLCore", "DLKernels", "DLFormat", "DLRuntime", "DLTrain", "DLConvert"]),
        .executable(name: "dlpack", targets: ["dlpack"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"]), .brew(["protobuf-c"])]),

        // MARK: - Implementation details (C)
        /// SIMD microkernels: AVX2/AVX-512/VNNI/NEON paths chosen at run time.
        .target(name: "CDLKernels",
                // libm: the kernels' exp/tanh/erf (and Swift's own sqrt/rounding) without Glibc/Foundation.
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux, .android]))]),
        /// protobuf-c code generated from format/dlpk.proto (see format/README.md).
        .target(name: "CDLManifest", dependencies: ["CProtobufC"]),
        /// protobuf-c code generated from the ONNX subset schema in Sources/CONNX/onnx_subset.proto.
        .target(name: "CONNX", dependencies: ["CProtobufC"], exclude: ["onnx_subset.proto"]),

        // MARK: - Runtime core (Foundation-free, Embedded-Swift-friendly)
        .target(name: "DLCore"),
        .target(name: "DLKernels", dependencies: ["DLCore", "CDLKernels"]),
        .target(name: "DLFormat", dependencies: ["DLCore", "CZstd", "CDLManifest"]),
        .target(name: "DLRuntime", dependencies: ["DLCore", "DLKernels", "DLFormat"]),
        /// The only @_cdecl code.
        .target(name: "DLCAPI", dependencies: ["DLCore", "DLRuntime"]),

        // MARK: - Tooling (may use Foundation)
        .target(name: "DLTrain", dependencies: ["DLCore", "DLKernels", "DLFormat"]),
        .target(name: "DLConvert", dependencies: ["DLCore", "DLKernels", "DLFormat", "CONNX"]),
        .executableTarget(name: "dlpack", dependencies: [
            "DLCore", "DLKernels", "DLFormat", "DLRuntime", "DLTrain", "DLConvert",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        /// Kernel benchmarks against numpy (see README, "Performance").
        .executableTarget(name: "dlpack-bench", dependencies: ["DLCore", "DLKernels", "DLRuntime", "DLTrain"]),

        // MARK: - Unit test bundles
        .target(name: "_TestSupport", dependencies: ["DLCore"], path: "Tests/_TestSupport"),
        .testTarget(name: "DLCoreTests", dependencies: ["DLCore", "_TestSupport"]),
        .testTarget(name: "DLKernelsTests", dependencies: ["DLKernels", "_TestSupport"]),
        .testTarget(name: "DLFormatTests", dependencies: ["DLFormat", "_TestSupport"]),
        .testTarget(name: "DLRuntimeTests", dependencies: ["DLRuntime", "DLFormat", "DLKernels", "_TestSupport"]),
        .testTarget(name: "DLTrainTests", dependencies: ["DLTrain", "DLRuntime", "_TestSupport"]),
        .testTarget(name: "DLConvertTests", dependencies: ["DLConvert", "DLRuntime", "DLFormat", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["dlpack", "_TestSupport"]),
    ]
)
