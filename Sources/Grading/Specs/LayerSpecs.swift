import LayerKit

extension LayerSpec {
    /// Custom Layers: `CenteredLayer`, `X - X.mean()`, no parameters.
    static var centeredLayer: LayerSpec {
        LayerSpec(
            exercise: .centeredLayer,
            makeInput: { BuildInput() },
            inputShape: [4, 5],
            shapeCases: [exactShape([5], [5]), exactShape([1, 5], [1, 5]), exactShape([2, 3, 4], [2, 3, 4])],
            reference: { _, _ in { x in x - x.mean() } },
            valuesHint: "subtract the mean of all elements (X.mean(), not a per-row mean)",
            parameters: { module, _ in
                guard module.parameterCount == 0 else {
                    throw Failed(figure: "\(module.parameterCount) trainable numbers", reason: "CenteredLayer has nothing to learn")
                }
                return "no parameters"
            },
            extra: [
                Criterion(.bookOutput) { candidate in
                    let module = try candidate.build(BuildInput())
                    let printed = withNoGrad { module(Tensor([1, 2, 3, 4, 5])) }.description
                    let want = "tensor([-2., -1.,  0.,  1.,  2.])"
                    guard printed == want else {
                        throw Failed(figure: printed, reason: "the book prints \(want) for layer(torch.FloatTensor([1, 2, 3, 4, 5]))")
                    }
                    return printed
                },
                Criterion(.centeredNetworkMean) { candidate in
                    let net = Sequential(Linear(8, 128), try candidate.build(BuildInput()))
                    let mean = withNoGrad { net(Tensor.rand([4, 8])).mean() }.item()
                    guard Swift.abs(mean) < 1e-6 else {
                        throw Failed(figure: "mean \(mean)", reason: "Sequential(Linear(8, 128), layer) must have output mean 0")
                    }
                    return "Sequential(Linear(8, 128), layer) output mean \(mean) (float32)"
                },
            ],
            rowsIndependent: false)
    }

    /// Custom Layers: `MyLinear(inUnits, units)`, `relu(X·W + b)` with trainable `W`, `b`.
    static var myLinear: LayerSpec {
        let i = 5, u = 3
        return LayerSpec(
            exercise: .myLinear,
            makeInput: { BuildInput(inFeatures: i, outFeatures: u) },
            inputShape: [8, i],
            shapeCases: [exactShape([8, i], [8, u]), exactShape([1, i], [1, u]), exactShape([2, 3, i], [2, 3, u])],
            reference: { module, _ in try myLinearReference(module, in: i, units: u) },
            valuesHint: "expected relu(X·W + b)",
            parameters: { module, _ in
                let shapes = module.parameters().map(\.shape)
                guard module.parameters().count == 2, module.parameterCount == i * u + u else {
                    let counts = module.parameters().map { "\($0.count)" }.joined(separator: " + ")
                    throw Failed(figure: "parameters \(shapes)",
                                 reason: (shapes.isEmpty ? "no Parameter found" : "the parameters hold \(counts) numbers")
                                    + "; MyLinear(\(i), \(u)) needs a weight of in·units = \(i)·\(u) = \(i * u) and a bias of units = \(u), both Parameter properties")
                }
                return "parameters \(shapes), \(i * u + u) numbers"
            },
            extra: [
                Criterion(.stacksInSequential) { candidate in
                    let net = Sequential(try candidate.build(BuildInput(inFeatures: 64, outFeatures: 8)),
                                         try candidate.build(BuildInput(inFeatures: 8, outFeatures: 1)))
                    let shape = withNoGrad { net(Tensor.rand([2, 64])) }.shape
                    guard shape == [2, 1] else {
                        throw Failed(figure: "output \(shape)", reason: "Sequential(MyLinear(64, 8), MyLinear(8, 1)) must map [2, 64] to [2, 1]")
                    }
                    return "Sequential(MyLinear(64, 8), MyLinear(8, 1)): [2, 64] → \(shape)"
                },
            ])
    }
}

/// `relu(x·W + b)` from the candidate's weight (`[in, units]`, or `[units, in]` as
/// `nn.Linear` keeps it — matched by value) and bias.
func myLinearReference(_ module: Module, in i: Int, units u: Int) throws -> (Tensor) -> Tensor {
    let params = module.parameters()
    guard let weight = params.first(where: { $0.count == i * u }), let bias = params.first(where: { $0 !== weight && $0.count == u }) else {
        throw Failed(figure: "parameters \(params.map(\.shape))",
                     reason: "expected a weight of \(i)×\(u) numbers and a bias of \(u) in Parameter properties")
    }
    let layouts: [(Tensor) -> Tensor] = [
        { x in (x.matmul(weight.reshape([i, u])) + bias).relu() },
        { x in (x.matmul(weight.reshape([u, i]).T) + bias).relu() },
    ]
    return closestLayout(of: module, among: layouts, probe: [4, i])
}

extension LayerSpec {
    /// The spec of `exercise`.
    static func of(_ exercise: Exercise) -> LayerSpec {
        switch exercise {
        case .mySequential: return .mySequential
        case .parallel: return .parallel
        case .factory: return .factory
        case .centeredLayer: return .centeredLayer
        case .myLinear: return .myLinear
        case .tensorReduction: return .tensorReduction
        case .fourierHalfSpectrum: return .fourierHalfSpectrum
        }
    }
}
