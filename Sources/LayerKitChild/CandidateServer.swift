import LayerKit

/// Computes what the grader asks of one answer: builds instances and returns their outputs,
/// gradients, parameters and state. It judges nothing; it runs in the child process (or, for
/// the in-process `grade(_:)`, in the grader's own).
public final class CandidateServer {
    /// A built instance and the blocks it was given (whose gradients the grader may ask for).
    private struct Instance {
        var module: Module
        var blocks: [Module]
    }

    private let factory: AnswerFactory
    private var instances: [Int: Instance] = [:]

    /// A server for the answer `factory` builds.
    public init(factory: @escaping AnswerFactory) {
        self.factory = factory
    }

    /// The reply to `request` (never a ``ChildRequest/hello(_:)``: the transport answers that).
    public func handle(_ request: Frame<ChildRequest>) -> Frame<ChildReply> {
        do {
            switch request.message {
            case .hello:
                return Frame(.failed(Failure(.badRequest, "hello is answered by the transport")))
            case .build(let build):
                return try self.build(build, request)
            case .forward(let forward):
                return try self.forward(forward, request)
            case .parameters(let ref):
                let named = try instance(ref.instance).module.namedParameters()
                return Frame(.tensors(names: named.map(\.0)), tensors: named.map { $0.1.detach() })
            case .stateDict(let ref):
                let state = try instance(ref.instance).module.stateDict()
                return Frame(.tensors(names: state.map(\.0)), tensors: state.map(\.1))
            case .loadStateDict(let load):
                let module = try instance(load.instance).module
                guard load.names.count == request.tensors.count else {
                    throw ServerError.badRequest("\(load.names.count) names for \(request.tensors.count) tensors")
                }
                try module.loadStateDict(Array(zip(load.names, request.tensors)), strict: true)
                return Frame(.loaded)
            case .gradients(let gradients):
                return try self.gradients(gradients, request)
            }
        } catch let error as ServerError {
            return Frame(.failed(error.failure))
        } catch let error as FrameError {
            return Frame(.failed(Failure(.badRequest, error.description)))
        } catch {
            return Frame(.failed(Failure(.raised, String(describing: error))))
        }
    }

    private func instance(_ id: Int) throws -> Instance {
        guard let instance = instances[id] else { throw ServerError.badRequest("no instance \(id)") }
        return instance
    }

    private func build(_ build: Build, _ frame: Frame<ChildRequest>) throws -> Frame<ChildReply> {
        var makerCalls = 0
        let dtype: DType = build.precision == .float64 ? .float64 : .float32
        let (module, blocks) = try withSeed(build.seed) { () throws -> (Module, [Module]) in
            let blocks = try build.arguments.blocks.map { try makeBlock($0, frame, dtype: dtype) }
            var input = BuildInput(blocks: blocks, count: build.arguments.count)
            if build.arguments.sizes.count == 2 {
                input.inFeatures = build.arguments.sizes[0]
                input.outFeatures = build.arguments.sizes[1]
            }
            if let maker = build.arguments.maker {
                input.makeBlock = {
                    makerCalls += 1
                    return (try? self.makeBlock(maker, frame, dtype: dtype)) ?? Identity()
                }
            }
            do {
                return (try factory(input), blocks)
            } catch {
                throw ServerError.raised("building the layer threw: \(error)")
            }
        }
        let converted = build.precision == .float64 ? module.to(.float64) : module
        instances[build.instance] = Instance(module: converted, blocks: blocks)
        return Frame(.built(Built(instance: build.instance, typeName: String(describing: type(of: module)), makerCalls: makerCalls)))
    }

    private func makeBlock(_ spec: BlockSpec, _ frame: Frame<ChildRequest>, dtype: DType) throws -> Module {
        switch spec.kind {
        case .relu:
            return ReLU()
        case .sequential:
            return Sequential(try (spec.blocks ?? []).map { try makeBlock($0, frame, dtype: dtype) })
        case .linear:
            if let w = spec.weight {
                let weight = try frame.tensor(w), bias = try spec.bias.map { try frame.tensor($0) }
                guard weight.rank == 2 else { throw ServerError.badRequest("a linear block's weight must be [out, in], got \(weight.shape)") }
                let layer = Linear(weight.shape[1], weight.shape[0], bias: bias != nil, dtype: dtype)
                layer.weight.copy(from: weight)
                if let bias, let b = layer.bias { b.copy(from: bias) }
                return layer
            }
            guard let i = spec.inFeatures, let o = spec.outFeatures else {
                throw ServerError.badRequest("a fresh linear block needs its sizes")
            }
            return Linear(i, o, dtype: dtype)
        }
    }

    private func forward(_ forward: Forward, _ frame: Frame<ChildRequest>) throws -> Frame<ChildReply> {
        let module = try instance(forward.instance).module
        // One random stream for the whole request: two evaluations of the same input draw
        // different numbers, as two calls would (a Dropout left in forward shows).
        let outputs = try withSeed(forward.seed) { try forward.items.map { item -> Tensor in
            let x = try frame.tensor(item.input)
            var saved: [(Parameter, Tensor)] = []
            for (name, index) in item.parameters.sorted(by: { $0.key < $1.key }) {
                guard let p = module.parameter(named: name) else { throw ServerError.badRequest("no parameter \(name)") }
                let value = try frame.tensor(index)
                guard value.shape == p.shape else { throw ServerError.badRequest("parameter \(name) is \(p.shape), got \(value.shape)") }
                saved.append((p, p.detach().clone()))
                p.copy(from: value)
            }
            let y = withNoGrad { module(x) }
            for (p, value) in saved { p.copy(from: value) }
            return y.detach()
        } }
        return Frame(.outputs(count: outputs.count), tensors: outputs)
    }

    private func gradients(_ request: Gradients, _ frame: Frame<ChildRequest>) throws -> Frame<ChildReply> {
        let instance = try instance(request.instance)
        let named = instance.module.namedParameters()
        let blockNamed = instance.blocks.enumerated().flatMap { b, block in
            block.namedParameters().map { ("\(b).\($0.0)", $0.1) }
        }
        let input = try frame.tensor(request.input)
        var tensors: [Tensor] = []
        func add(_ t: Tensor?) -> Int? {
            guard let t else { return nil }
            tensors.append(t.detach())
            return tensors.count - 1
        }
        var items: [GradientItem] = []
        try withSeed(request.seed) { for seedIndex in request.outputGradients {
            let seed = try frame.tensor(seedIndex)
            let x = input.detach().clone()
            if x.dtype.isFloatingPoint { x.requiresGrad = true }
            for (_, p) in named { p.grad = nil }
            for (_, p) in blockNamed { p.grad = nil }
            let y = withGrad { instance.module(x) }
            guard y.shape == seed.shape else {
                throw ServerError.unusable("the output's shape \(y.shape) is not the output gradient's \(seed.shape)")
            }
            if y.requiresGrad { y.backward(seed.to(y.dtype)) }
            items.append(GradientItem(input: add(x.grad), parameters: named.map { add($0.1.grad) },
                                      blockParameters: blockNamed.map { add($0.1.grad) }))
        } }
        return Frame(.gradients(GradientsReply(parameterNames: named.map(\.0), blockParameterNames: blockNamed.map(\.0),
                                               items: items)), tensors: tensors)
    }
}

/// A request the server refuses, and why.
private enum ServerError: Error {
    case badRequest(String)
    case raised(String)
    case unusable(String)

    var failure: Failure {
        switch self {
        case .badRequest(let m): return Failure(.badRequest, m)
        case .raised(let m): return Failure(.raised, m)
        case .unusable(let m): return Failure(.unusable, m)
        }
    }
}
