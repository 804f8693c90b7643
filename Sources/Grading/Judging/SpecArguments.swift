import LayerKit
import LayerKitChild

/// The arguments an exercise calls the answer with, as the grader holds them: sizes, or
/// blocks that are the grader's own modules (with weights it chose), or a count and the block
/// a maker call returns. The blocks travel to the child as descriptions and tensors
/// (``wire()``); the grader keeps its copies to compute the reference.
struct SpecArguments {
    var sizes: [Int] = []
    var blocks: [Module] = []
    var count = 0
    var maker: BlockSpec?

    /// The arguments as a build request and the tensors it refers to.
    func wire() -> (BuildArguments, [Tensor]) {
        var tensors: [Tensor] = []
        func describe(_ block: Module) -> BlockSpec {
            switch block {
            case let linear as Linear:
                tensors.append(linear.weight.detach())
                let weight = tensors.count - 1
                if let bias = linear.bias { tensors.append(bias.detach()) }
                return .linear(weight: weight, bias: tensors.count - 1)
            case is ReLU:
                return .relu
            case let sequential as Sequential:
                return .sequential(sequential.children().map(describe))
            default:
                preconditionFailure("SpecArguments: no wire form for \(type(of: block))")
            }
        }
        let blocks = self.blocks.map(describe)
        return (BuildArguments(sizes: sizes, blocks: blocks, count: count, maker: maker), tensors)
    }

    /// Every parameter of the blocks (the grader's own tensors), in order.
    var blockParameters: [Parameter] { blocks.flatMap { $0.parameters() } }
}

extension CandidateSession {
    /// A fresh instance built from `arguments` (the blocks sent as descriptions and tensors).
    func build(_ arguments: SpecArguments, precision: Precision = .float64) throws -> RemoteModule {
        let (wire, tensors) = arguments.wire()
        return try build(wire, tensors: tensors, precision: precision)
    }
}

/// What a reference is computed from: the candidate's parameters as the grader received them
/// (leaf tensors, or the grader's own block parameter where the candidate returned exactly
/// its values), the arguments, and the candidate (to tell weight layouts apart by value).
struct ReferenceInput {
    /// The candidate's named parameters, as tensors the reference may use (and differentiate).
    let parameters: [(String, Tensor)]
    let arguments: SpecArguments
    let candidate: RemoteModule

    /// The tensors, in the candidate's order.
    var tensors: [Tensor] { parameters.map(\.1) }

    /// `received` (the candidate's parameter values), each replaced by the grader's block
    /// parameter holding exactly those numbers when there is one, else by a float64 copy.
    init(received: [(String, Tensor)], arguments: SpecArguments, candidate: RemoteModule) {
        let blockParameters = arguments.blockParameters
        parameters = received.map { name, value in
            if let block = blockParameters.first(where: { sameValues($0, value) }) { return (name, block as Tensor) }
            return (name, Tensor(value.to(.float64).doubles(), shape: value.shape, dtype: .float64))
        }
        self.arguments = arguments
        self.candidate = candidate
    }
}
