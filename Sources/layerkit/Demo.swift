import ArgumentParser
import LayerKit

/// `layerkit demo`: the book's first snippets, printed as PyTorch prints them.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the D2L \"Custom Layers\" snippets and a gradient check, printing PyTorch-style output.")

    @Option(help: "Seed for the random parts.")
    var seed: UInt64 = 0

    func run() throws {
        manualSeed(seed)
        let x = Tensor([1, 2, 3, 4, 5])
        print("X - X.mean() for X = [1, 2, 3, 4, 5]:")
        print(x - x.mean())

        let w = Tensor.randn([8, 4], dtype: .float64)
        let input = Tensor.rand([3, 8], dtype: .float64)
        let report = try gradCheck([input, w]) { ($0[0].matmul($0[1])).relu().sum(axis: 1) }
        print("\ngradCheck of relu(X·W).sum(1) in float64:")
        print(report)
    }
}
