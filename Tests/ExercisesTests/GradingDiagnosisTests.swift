import Foundation
import Testing
import LayerKit
import Grading

// Right answers written differently from the references: they must pass with no reason at all.
// (The diagnoses of wrong answers are asserted with the known-wrong answers in GradingTests.)

/// The leading half of the spectrum as two real matrix products with the DFT's cos and sin
/// tables: another algorithm than the FFT.
final class DFTMatrixFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last!, m = n / 2, lead = Array(x.shape.dropLast())
        if m == 0 { return Tensor.zeros(lead + [0, 2], dtype: x.dtype) }
        var cosines: [Double] = [], sines: [Double] = []
        for t in 0..<n {
            for k in 0..<m {
                let angle = -2 * Double.pi * Double(k * t) / Double(n)
                cosines.append(cos(angle))
                sines.append(sin(angle))
            }
        }
        let c = Tensor(cosines, shape: [n, m], dtype: x.dtype), s = Tensor(sines, shape: [n, m], dtype: x.dtype)
        let flat = x.reshape([-1, n])
        return Tensor.stack([flat.matmul(c), flat.matmul(s)], axis: -1).reshape(lead + [m, 2])
    }
}

/// MyLinear keeping its weight as `nn.Linear` does, `[units, in]`, with a debug print.
final class TransposedLinear: Module {
    let weight: Parameter, bias: Parameter
    init(_ i: Int, _ u: Int) {
        weight = Parameter(Tensor.randn([u, i]))
        bias = Parameter(Tensor.randn([u]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        print("TransposedLinear.forward \(x.shape)")
        return (x.matmul(weight.T) + bias).relu()
    }
}

@Suite("Grading: right answers written differently")
struct GradingVariantTests {
    @Test("A Fourier layer by DFT matrices (not the FFT) passes with no reason")
    func dftMatrices() {
        let report = grade(.fourierHalfSpectrum("dft-matrices") { DFTMatrixFourier() })
        #expect(report.passedAll, "\(report.table)")
        #expect(report.results.allSatisfy { $0.reason == nil })
    }

    @Test("MyLinear with the weight as [units, in] and a debug print passes with no reason")
    func transposedLinear() {
        let report = grade(.myLinear("transposed") { TransposedLinear($0, $1) })
        #expect(report.passedAll, "\(report.table)")
        #expect(report.results.allSatisfy { $0.reason == nil })
    }
}
