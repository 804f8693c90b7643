// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LayerKit",
    products: [
        .library(name: "LayerKit", targets: ["LayerKit"]),
        .library(name: "Exercises", targets: ["Exercises"]),
        .library(name: "Grading", targets: ["Grading"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .executable(name: "layerkit", targets: ["layerkit"]),
        .executable(name: "layerkit-bench", targets: ["layerkit-bench"]),
        .executable(name: "layerkit-fuzz", targets: ["layerkit-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // LayerKit's SIMD kernels, each compiled for AVX-512, AVX2 + FMA and the default target
        // and picked at run time from the CPU's features; and its thread pool.
        .target(name: "CKernels"),
        // fork/exec for the grader's sandbox: limits, session and uid set before exec (Notes/sandbox.md).
        .target(name: "CSandbox"),
        .target(
            name: "LayerKit",
            dependencies: [
                "CFFTW", "CBLAS", "CKernels",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The child side of grading: computes what the grader asks of one answer (no verdicts,
        // no reference solutions); the only module a compiled answer's child links beside LayerKit.
        .target(name: "LayerKitChild", dependencies: ["LayerKit"]),
        .target(
            name: "Exercises",
            dependencies: ["LayerKit"],
            path: "Exercises"
        ),
        .target(
            name: "Grading",
            dependencies: [
                "LayerKit", "LayerKitChild", "Exercises", "CSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The child that runs a PyTorch answer (the same protocol as LayerKitChild).
            resources: [.copy("Resources/layerkit_child.py")]
        ),
        // The Burgers experiment (FNO paper): data generation, training loop, plots.
        .target(
            name: "Experiments",
            dependencies: [
                "LayerKit", "Exercises",
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),
        .executableTarget(
            name: "layerkit",
            dependencies: [
                "LayerKit", "Exercises", "Grading", "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "layerkit-bench",
            dependencies: ["LayerKit", "Exercises", "Grading", "CBLAS"]
        ),
        // libFuzzer over Safetensors.decode; `.ci/fuzz` builds it with -sanitize=fuzzer.
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "layerkit-fuzz", dependencies: ["LayerKit", "CFuzzDriver"]),
        .testTarget(name: "LayerKitTests", dependencies: ["LayerKit"], resources: [.copy("Fixtures")]),
        // Depends on the `layerkit` executable so that the grader's tests can run it.
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "LayerKit"]),
        .testTarget(name: "ExercisesTests", dependencies: ["Exercises", "LayerKit", "LayerKitChild", "Grading", "layerkit"],
                    resources: [.copy("Fixtures"), .copy("PythonAnswers")]),
    ],
    swiftLanguageModes: [.v6]
)
