import Foundation
import Testing
import Exercises
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// True when this test process runs under AddressSanitizer (`swift test --sanitize=address`,
/// as `.ci/run` does after the plain run). The grader's children then carry ASan too: its
/// terabytes of reserved shadow memory admit no address-space limit, and answer files would
/// link against instrumented objects. The suites that start children skip there; the plain
/// run covers them.
let underAddressSanitizer: Bool = dlsym(dlopen(nil, RTLD_NOW), "__asan_init") != nil

/// Why the child-process suites skip under AddressSanitizer.
let childSuitesSkipUnderASan: Comment = "the grader's children run with an address-space limit, which ASan's shadow memory cannot meet"

/// A JSON fixture committed under Tests/ExercisesTests/Fixtures (made by make_exercises.py).
func loadFixture(_ name: String) throws -> [String: Any] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                           "fixture \(name).json is missing")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// A tensor stored in a fixture as `{"shape": [...], "data": [...]}`.
func fixtureTensor(_ any: Any?, dtype: DType = .float64) throws -> Tensor {
    let dict = try #require(any as? [String: Any], "not a tensor entry")
    return Tensor(try #require(dict["data"] as? [Double]), shape: try #require(dict["shape"] as? [Int]), dtype: dtype)
}

/// The loss at each of `steps` SGD steps of `net` fitting `target` from `x` by mean squared
/// error: the "drop it into a Sequential and train it" check every solution gets.
func sgdLosses(_ net: Module, _ x: Tensor, _ target: Tensor, lr: Double, steps: Int) -> [Double] {
    let optimizer = SGD(net.parameters(), lr: lr)
    return (0..<steps).map { _ in
        optimizer.zeroGrad()
        let loss = mseLoss(net(x), target)
        loss.backward()
        optimizer.step()
        return loss.item()
    }
}
