import Foundation
import Testing
import Exercises

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
