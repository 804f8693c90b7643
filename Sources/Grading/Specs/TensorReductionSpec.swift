import LayerKit

extension LayerSpec {
    /// Custom Layers, exercise 1: `y_k = Σ_ij W_ijk x_i x_j`, weight `[in, in, out]` or
    /// `[out, in, in]`, optional bias `[out]`.
    static var tensorReduction: LayerSpec {
        let i = 4, k = 3
        return LayerSpec(
            exercise: .tensorReduction,
            makeInput: { BuildInput(inFeatures: i, outFeatures: k) },
            inputShape: [5, i],
            shapeCases: [exactShape([1, i], [1, k]), exactShape([5, i], [5, k]), exactShape([2, 3, i], [2, 3, k])],
            reference: { module, input in try reductionReference(module, in: input.inFeatures, out: input.outFeatures) },
            valuesHint: "y_k must be Σ_ij W_ijk x_i x_j, with two different indices i and j on x",
            parameters: { module, input in
                let (i, k) = (input.inFeatures, input.outFeatures)
                let weight = try reductionWeight(module, in: i, out: k)
                let total = module.parameterCount, bias = module.parameters().count > 1 ? k : 0
                guard total == i * i * k + bias else {
                    throw Failed(figure: "\(total) numbers in \(module.parameters().count) parameter(s)",
                                 reason: "expected in·in·out = \(i * i * k) numbers (plus \(k) for an optional bias)")
                }
                return "`\(weight.1)` \(weight.0.shape) holds in·in·out = \(i * i * k) numbers; \(total) in all"
            },
            extra: [
                Criterion(.smallSizes) { candidate in
                    var figures: [String] = []
                    for (i, k) in [(1, 1), (1, 3), (3, 1)] {
                        let module: Module
                        do { module = try candidate.build(BuildInput(inFeatures: i, outFeatures: k)).to(.float64) } catch {
                            throw Failed(figure: "factory threw for (\(i), \(k))", reason: "building the layer threw: \(error)")
                        }
                        let x = Tensor.randn([2, i], dtype: .float64)
                        let ref = try reductionReference(module, in: i, out: k)
                        _ = try difference(withNoGrad { module(x) }, ref(x), what: "output for in = \(i), out = \(k)",
                                           hint: "the layer must work for any sizes, including 1")
                        figures.append("(\(i), \(k)) ok")
                    }
                    return figures.joined(separator: ", ")
                },
            ])
    }
}

/// The candidate's weight: the parameter holding `in·in·out` numbers (preferring one named
/// like a weight), with its name.
func reductionWeight(_ module: Module, in i: Int, out k: Int) throws -> (Parameter, String) {
    let all = module.namedParameters()
    let named = all.filter { $0.1.count == i * i * k }
    guard let (name, p) = named.first(where: { $0.0.lowercased().contains("w") }) ?? named.first else {
        let figure = "no parameter of \(i * i * k) numbers among \(all.map { "\($0.0) \($0.1.shape)" })"
        // The largest parameter is the one meant as W: say how many numbers it holds.
        if let (wrongName, wrong) = all.max(by: { $0.1.count < $1.1.count }) {
            throw Failed(figure: figure,
                         reason: "the weight `\(wrongName)` \(wrong.shape) holds \(wrong.count) numbers; W_ijk needs in·in·out = \(i)·\(i)·\(k) = \(i * i * k) (shape [in, in, out] or [out, in, in]): one number per pair (i, j) and output k")
        }
        throw Failed(figure: figure,
                     reason: "no Parameter found: keep W (in·in·out = \(i * i * k) numbers) in a Parameter property, so parameters(), stateDict() and optimisers see it")
    }
    return (p, name)
}

/// `y = Σ_ij W_ijk x_i x_j (+ b)` from the candidate's own weight, in whichever layout —
/// `[in, in, out]` or `[out, in, in]` — reproduces its output (layouts are matched by value).
func reductionReference(_ module: Module, in i: Int, out k: Int) throws -> (Tensor) -> Tensor {
    let (weight, _) = try reductionWeight(module, in: i, out: k)
    let bias = module.parameters().first { $0 !== weight && $0.count == k }
    func reference(_ w: @escaping () -> Tensor) -> (Tensor) -> Tensor {
        { x in
            let lead = Array(x.shape.dropLast())
            let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
            let y = outer.matmul(w().reshape([i * i, k])).reshape(lead + [k])
            return bias.map { y + $0 } ?? y
        }
    }
    let layouts = [
        reference { weight.reshape([i, i, k]) },
        reference { weight.reshape([k, i, i]).permute([1, 2, 0]) },
    ]
    return closestLayout(of: module, among: layouts, probe: [3, i])
}
