import LayerKit

/// PyTorch's `gradcheck` of a candidate that runs elsewhere, judged here: the candidate
/// returns its outputs at the points the grader asks for (one batch for every central
/// difference) and its own backward's gradients for each one-hot output gradient (one batch);
/// the grader forms both Jacobians and compares them with `gradcheck`'s defaults
/// (eps 1e-6, atol 1e-5, rtol 1e-3), over the input and every parameter.
func remoteGradCheck(_ module: RemoteModule, at x: Tensor, eps: Double = 1e-6, atol: Double = 1e-5,
                     rtol: Double = 1e-3) throws -> (report: GradCheckReport, parameterCount: Int) {
    let parameters = try module.namedParameters().map { ($0.0, $0.1.to(.float64)) }
    let inputs = [x] + parameters.map(\.1)
    // Numerical: the unperturbed point, then each element of each input moved by ±eps.
    var items: [(input: Tensor, parameters: [String: Tensor])] = [(x, [:])]
    for (i, tensor) in inputs.enumerated() {
        let values = tensor.doubles()
        for j in values.indices {
            for step in [eps, -eps] {
                var moved = values
                moved[j] += step
                let t = Tensor(moved, shape: tensor.shape, dtype: .float64)
                items.append(i == 0 ? (t, [:]) : (x, [parameters[i - 1].0: t]))
            }
        }
    }
    let evaluated = try module.evaluate(items)
    let outputs = evaluated.map { $0.to(.float64).doubles() }
    let outCount = outputs[0].count
    guard outputs.allSatisfy({ $0.count == outCount }) else {
        throw Failed(figure: "the output's size changes", reason: "the output's size changes when the input or a parameter moves by 1e-6")
    }
    var numerical: [[[Double]]] = inputs.map { Array(repeating: [Double](repeating: 0, count: outCount), count: $0.count) }
    var k = 1
    for i in inputs.indices {
        for j in 0..<inputs[i].count {
            let (plus, minus) = (outputs[k], outputs[k + 1])
            for o in 0..<outCount { numerical[i][j][o] = (plus[o] - minus[o]) / (2 * eps) }
            k += 2
        }
    }

    // Analytic: one backward pass per output element, the first one again, and a zero seed.
    var analytic = numerical.map { $0.map { $0.map { _ in 0.0 } } }
    var repeatOK = true, zeroOK = true
    if outCount > 0 {
        let shape = evaluated[0].shape  // the unperturbed point's output
        var seeds = (0..<outCount).map { o -> Tensor in
            var oneHot = [Double](repeating: 0, count: outCount)
            oneHot[o] = 1
            return Tensor(oneHot, shape: shape, dtype: .float64)
        }
        seeds += [seeds[0], Tensor.zeros(shape, dtype: .float64)]
        let grads = try module.gradients(at: x, seeds: seeds)
        // The gradients of each input of `inputs`, in their order, for one backward pass.
        func columns(_ item: RemoteGradients.Item) -> [[Double]] {
            let byName = Dictionary(zip(grads.parameterNames, item.parameters), uniquingKeysWith: { a, _ in a })
            return [item.input] .map { $0?.to(.float64).doubles() ?? [Double](repeating: 0, count: x.count) }
                + parameters.map { name, p in (byName[name] ?? nil)?.to(.float64).doubles() ?? [Double](repeating: 0, count: p.count) }
        }
        for o in 0..<outCount {
            let g = columns(grads.items[o])
            for i in inputs.indices where g[i].count == inputs[i].count {
                for j in 0..<inputs[i].count { analytic[i][j][o] = g[i][j] }
            }
        }
        repeatOK = columns(grads.items[outCount]) == columns(grads.items[0])
        zeroOK = columns(grads.items[outCount + 1]).allSatisfy { $0.allSatisfy { $0 == 0 } }
    }
    let report = GradCheckReport(analytic: analytic, numerical: numerical, zeroGradOutputPassed: zeroOK,
                                 repeatBackwardPassed: repeatOK, eps: eps, atol: atol, rtol: rtol)
    return (report, parameters.count)
}
