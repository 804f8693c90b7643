import Foundation
import LayerKit
import LayerKitChild

/// The grader's side of one candidate: builds instances of it where it runs and asks them for
/// numbers. Every reply is checked against what was asked (kinds, counts, tensor references);
/// anything else is a ``ChildFailure``.
final class CandidateSession {
    let transport: any CandidateTransport
    private let hello: Hello
    /// When the candidate's wall time runs out (moved later by the time its children take to start).
    private var deadline: ContinuousClock.Instant
    /// How long a child may take to start and load the answer (not counted in the wall time).
    private let startupAllowance: Duration
    private(set) var ready: Ready?
    private var nextInstance = 0
    /// The seed the current criterion's builds and evaluations derive theirs from.
    var seed: UInt64 = 0

    init(transport: any CandidateTransport, hello: Hello, timeout: Duration, startupAllowance: Duration = .seconds(60)) {
        self.transport = transport
        self.hello = hello
        self.deadline = .now + timeout
        self.startupAllowance = startupAllowance
    }

    /// Starts the child and loads the answer, if not done yet.
    func start() throws {
        guard ready == nil else { return }
        let started = ContinuousClock.now
        let reply = try transport.exchange(Frame(.hello(hello)), until: started + startupAllowance)
        deadline += ContinuousClock.now - started
        switch reply.message {
        case .ready(let r): ready = r
        case .failed(let f) where f.kind == .environment: throw ChildFailure.couldNotStart(f.message)
        case .failed(let f): throw ChildFailure.raised(f)
        default: throw ChildFailure.malformed("expected ready, got \(reply.message.kindName)")
        }
    }

    /// Ends the child: the next request starts a fresh one.
    func restart() {
        transport.reset()
        ready = nil
    }

    /// Sends `request` (starting the child first if needed) and returns the reply, with a
    /// ``ChildReply/failed(_:)`` turned into ``ChildFailure/raised(_:)``.
    func send(_ request: ChildRequest, tensors: [Tensor] = []) throws -> Frame<ChildReply> {
        try start()
        let reply = try transport.exchange(Frame(request, tensors: tensors), until: deadline)
        if case .failed(let failure) = reply.message { throw ChildFailure.raised(failure) }
        return reply
    }

    /// A fresh instance of the candidate built from `arguments` (its blocks' tensors in
    /// `tensors`), converted to float64 unless asked otherwise.
    func build(_ arguments: BuildArguments, tensors: [Tensor] = [], precision: Precision = .float64) throws -> RemoteModule {
        let id = nextInstance
        nextInstance += 1
        let reply = try send(.build(Build(instance: id, seed: seed &+ UInt64(id) &* 7919, precision: precision,
                                          arguments: arguments)), tensors: tensors)
        guard case .built(let built) = reply.message, built.instance == id else {
            throw ChildFailure.malformed("expected built \(id), got \(reply.message.kindName)")
        }
        return RemoteModule(session: self, instance: id, typeName: built.typeName, makerCalls: built.makerCalls)
    }
}

/// A module built where the candidate runs, seen from the grader: only the numbers it
/// returns are known here.
struct RemoteModule {
    let session: CandidateSession
    let instance: Int
    /// The candidate's type name, e.g. `MyReduction`.
    let typeName: String
    /// How many times the answer called the block maker while being built.
    let makerCalls: Int

    /// The output for `x`.
    func callAsFunction(_ x: Tensor) throws -> Tensor { try forward([x])[0] }

    /// The outputs for each input, in one request.
    func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        try evaluate(inputs.map { ($0, [:]) })
    }

    /// The outputs for each (input, parameter values) pair: the parameters named take the given
    /// values for that evaluation only.
    func evaluate(_ items: [(input: Tensor, parameters: [String: Tensor])]) throws -> [Tensor] {
        var tensors: [Tensor] = [], wire: [ForwardItem] = []
        for (input, parameters) in items {
            tensors.append(input)
            var refs: [String: Int] = [:]
            for (name, value) in parameters {
                refs[name] = tensors.count
                tensors.append(value)
            }
            wire.append(ForwardItem(input: tensors.count - 1 - parameters.count, parameters: refs))
        }
        let reply = try session.send(.forward(Forward(instance: instance, seed: session.seed, items: wire)), tensors: tensors)
        guard case .outputs(let count) = reply.message, count == items.count, reply.tensors.count == count else {
            throw ChildFailure.malformed("expected \(items.count) outputs, got \(reply.message.kindName) with \(reply.tensors.count) tensors")
        }
        return reply.tensors
    }

    /// `namedParameters()`: names and values, in order (shared parameters once).
    func namedParameters() throws -> [(String, Tensor)] { try named(.parameters(InstanceRef(instance: instance))) }

    /// `stateDict()`: keys and values, in order.
    func stateDict() throws -> [(String, Tensor)] { try named(.stateDict(InstanceRef(instance: instance))) }

    private func named(_ request: ChildRequest) throws -> [(String, Tensor)] {
        let reply = try session.send(request)
        guard case .tensors(let names) = reply.message, names.count == reply.tensors.count else {
            throw ChildFailure.malformed("expected named tensors, got \(reply.message.kindName)")
        }
        return Array(zip(names, reply.tensors))
    }

    /// Loads `state` strictly; throws ``ChildFailure/raised(_:)`` with the candidate's message when it refuses.
    func loadStateDict(_ state: [(String, Tensor)]) throws {
        let reply = try session.send(.loadStateDict(LoadState(instance: instance, names: state.map(\.0))), tensors: state.map(\.1))
        guard case .loaded = reply.message else { throw ChildFailure.malformed("expected loaded, got \(reply.message.kindName)") }
    }

    /// The gradients of one backward pass per output gradient in `seeds`, at input `x`.
    func gradients(at x: Tensor, seeds: [Tensor]) throws -> RemoteGradients {
        let reply = try session.send(.gradients(Gradients(instance: instance, seed: session.seed, input: 0,
                                                          outputGradients: seeds.indices.map { $0 + 1 })),
                                     tensors: [x] + seeds)
        guard case .gradients(let body) = reply.message, body.items.count == seeds.count else {
            throw ChildFailure.malformed("expected \(seeds.count) gradient item(s), got \(reply.message.kindName)")
        }
        func tensor(_ index: Int?) throws -> Tensor? {
            guard let index else { return nil }
            do { return try reply.tensor(index) } catch { throw ChildFailure.malformed("\(error)") }
        }
        var items: [RemoteGradients.Item] = []
        for item in body.items {
            guard item.parameters.count == body.parameterNames.count, item.blockParameters.count == body.blockParameterNames.count else {
                throw ChildFailure.malformed("a gradient item does not match its names")
            }
            items.append(RemoteGradients.Item(input: try tensor(item.input), parameters: try item.parameters.map(tensor),
                                              blockParameters: try item.blockParameters.map(tensor)))
        }
        return RemoteGradients(parameterNames: body.parameterNames, blockParameterNames: body.blockParameterNames, items: items)
    }
}

/// Gradients returned by a candidate.
struct RemoteGradients {
    /// One backward pass.
    struct Item {
        var input: Tensor?
        var parameters: [Tensor?]
        var blockParameters: [Tensor?]
    }

    var parameterNames: [String]
    var blockParameterNames: [String]
    var items: [Item]
}

extension ChildReply {
    /// The kind, for messages about unexpected replies.
    var kindName: String {
        switch self {
        case .ready: return "ready"
        case .built: return "built"
        case .outputs: return "outputs"
        case .tensors: return "tensors"
        case .loaded: return "loaded"
        case .gradients: return "gradients"
        case .failed: return "failed"
        }
    }
}
