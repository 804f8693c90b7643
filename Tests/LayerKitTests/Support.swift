import Foundation
import Testing
@testable import LayerKit

/// A JSON fixture committed under Tests/LayerKitTests/Fixtures (made by a make_*.py script).
func loadFixture(_ name: String) throws -> [String: Any] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                           "fixture \(name).json is missing")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(object as? [String: Any], "fixture \(name).json is not an object")
}

/// A tensor stored in a fixture as `{"shape": [...], "data": [...]}`.
func fixtureTensor(_ any: Any?, dtype: DType = .float64) throws -> Tensor {
    let dict = try #require(any as? [String: Any], "not a tensor entry")
    let shape = try #require(dict["shape"] as? [Int], "tensor entry without shape")
    let data = try #require(dict["data"] as? [Double], "tensor entry without data")
    return Tensor(data, shape: shape, dtype: dtype)
}

/// `a` and `b` have the same shape and `a.allClose(b)`.
func allClose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6) -> Bool {
    a.shape == b.shape && a.allClose(b, rtol: rtol, atol: atol)
}

/// The largest element-wise difference, for failure messages.
func maxDiff(_ a: Tensor, _ b: Tensor) -> Double { a.maxAbsDifference(b) }

/// A seeded float64 input for gradient checks.
func randomInput(_ shape: [Int], seed: UInt64) -> Tensor {
    Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
}

/// The SIMD levels the running CPU supports: every C kernel is tested at each (the dispatch
/// forced per level, `KernelStrategy.overrides`).
let testedLevels = SIMDLevel.allCases.filter { $0 <= SIMDLevel.cpu }

/// `body` with the kernels' choices forced for the current task only (parallel tests do not
/// see each other's overrides).
func withKernels<R>(_ overrides: KernelStrategy.Overrides, _ body: () throws -> R) rethrows -> R {
    try KernelStrategy.withOverrides(overrides, body)
}

/// `body` with the C kernels at `level`.
func atLevel<R>(_ level: SIMDLevel, _ body: () throws -> R) rethrows -> R {
    try withKernels(KernelStrategy.Overrides(level: level), body)
}
