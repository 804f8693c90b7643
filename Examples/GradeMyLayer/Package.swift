// swift-tools-version:6.1
// A learner's package: their own answer to the tensor-reduction exercise, graded by
// LayerKit's grader without touching LayerKit's sources. In your own package, depend on
// LayerKit by its git URL instead of this path.
import PackageDescription

let package = Package(
    name: "GradeMyLayer",
    dependencies: [
        .package(name: "LayerKit", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "grade-my-layer",
            dependencies: [
                .product(name: "Exercises", package: "LayerKit"),
                .product(name: "Grading", package: "LayerKit"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
