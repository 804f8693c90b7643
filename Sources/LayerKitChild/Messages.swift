// The messages between the grader and a child that computes a candidate's answers.
//
// The grader asks, the child answers with numbers: a layer's outputs, gradients, parameters
// and state. Nothing in a reply is a verdict, so nothing in it can be forged: a child that
// returns the right numbers has solved the exercise. Every message is a `kind` and a `body`
// in JSON, carried in the metadata of a safetensors image whose tensors the body refers to by
// position (`Frame.swift`); the Python child (`layerkit_child.py`) reads and writes the same.

/// What the grader asks a child.
public enum ChildRequest: Sendable, Equatable {
    /// Load the answer: the first request of every child. Answered by ``ChildReply/ready(_:)``
    /// or, when the answer cannot be loaded, ``ChildReply/failed(_:)``.
    case hello(Hello)
    /// Build a fresh instance of the answer.
    case build(Build)
    /// Run `forward` on each item's input (no gradient recorded).
    case forward(Forward)
    /// The instance's named parameters (`named_parameters()`), in order, with their values.
    case parameters(InstanceRef)
    /// The instance's state dict (`state_dict()`), in order.
    case stateDict(InstanceRef)
    /// Load a state dict strictly (`load_state_dict(strict=True)`); the tensors are the values.
    case loadStateDict(LoadState)
    /// Gradients of the input, the parameters and the given blocks' parameters, one backward
    /// pass per output gradient.
    case gradients(Gradients)
}

/// What a child answers.
public enum ChildReply: Sendable, Equatable {
    /// The answer is loaded.
    case ready(Ready)
    /// An instance was built.
    case built(Built)
    /// One output per forward item: tensor `i` of the frame is item `i`'s output.
    case outputs(count: Int)
    /// Named tensors in order: tensor `i` of the frame is `names[i]`.
    case tensors(names: [String])
    /// A state dict was loaded.
    case loaded
    /// Gradients, one item per output gradient.
    case gradients(GradientsReply)
    /// The candidate's code threw or raised, or refused the request; the child goes on.
    case failed(Failure)
}

/// The answer's shape: what `answer` is called with, per exercise.
public enum AnswerSignature: String, Codable, Sendable, CaseIterable {
    /// `answer(blocks)`: a list of modules (`MySequential(*blocks)`).
    case blocks
    /// `answer(net1, net2)`.
    case pair
    /// `answer(n, makeBlock)`: a count and a function making one block.
    case countAndMaker
    /// `answer()`.
    case noArguments
    /// `answer(in, out)`: two sizes.
    case sizes
}

/// The language of an answer: of its file (by the extension) and of the child serving it.
public enum AnswerLanguage: String, Codable, Sendable, CaseIterable {
    /// A Swift file, compiled against LayerKit.
    case swift
    /// A Python file defining a PyTorch `nn.Module`.
    case python

    /// `.swift` or `.py`.
    public var fileExtension: String { self == .swift ? ".swift" : ".py" }

    /// The language of a file called `fileName`, or nil for other files.
    public init?(fileName: String) {
        guard let language = AnswerLanguage.allCases.first(where: { fileName.hasSuffix($0.fileExtension) && fileName.count > $0.fileExtension.count })
        else { return nil }
        self = language
    }
}

/// The first request: which answer to load.
public struct Hello: Codable, Sendable, Equatable {
    /// How the answer is called.
    public var signature: AnswerSignature
    /// A registered candidate's name (a compiled or Python answer has one answer and ignores it).
    public var candidate: String
    /// The exercise's command-line name (for a registered candidate's lookup).
    public var exercise: String

    /// A hello.
    public init(signature: AnswerSignature, candidate: String, exercise: String) {
        self.signature = signature
        self.candidate = candidate
        self.exercise = exercise
    }
}

/// The reply to ``Hello``.
public struct Ready: Codable, Sendable, Equatable {
    /// The answer's language.
    public var language: AnswerLanguage
    /// The runtime, e.g. `torch 2.5.1` (shown in reports).
    public var runtime: String

    /// A ready reply.
    public init(language: AnswerLanguage, runtime: String) {
        self.language = language
        self.runtime = runtime
    }
}

/// The precision an instance computes in.
public enum Precision: String, Codable, Sendable {
    /// Built as the answer builds it (float32 by default), not converted.
    case float32
    /// Converted to float64 after building (`module.to(.float64)`, `.double()`).
    case float64
}

/// A module the grader hands the answer, rebuilt in the child from its description.
public struct BlockSpec: Codable, Sendable, Equatable {
    /// The kinds of block.
    public enum Kind: String, Codable, Sendable {
        /// `Linear` / `nn.Linear`: with `weight` and `bias` tensors, or fresh from the sizes.
        case linear
        /// `ReLU` / `nn.ReLU`.
        case relu
        /// `Sequential` / `nn.Sequential` of `blocks`.
        case sequential
    }

    /// What it is.
    public var kind: Kind
    /// Linear: the frame's tensor holding the weight, `[out, in]`, or nil for a fresh one.
    public var weight: Int?
    /// Linear: the frame's tensor holding the bias, `[out]`.
    public var bias: Int?
    /// A fresh linear's sizes (initialised by the child's seeded stream).
    public var inFeatures: Int?
    /// A fresh linear's output size.
    public var outFeatures: Int?
    /// Sequential: its blocks.
    public var blocks: [BlockSpec]?

    /// A linear block with the frame's tensors `weight` and `bias`.
    public static func linear(weight: Int, bias: Int) -> BlockSpec { BlockSpec(kind: .linear, weight: weight, bias: bias) }
    /// A linear block initialised in the child.
    public static func freshLinear(_ inFeatures: Int, _ outFeatures: Int) -> BlockSpec {
        BlockSpec(kind: .linear, inFeatures: inFeatures, outFeatures: outFeatures)
    }
    /// A ReLU.
    public static let relu = BlockSpec(kind: .relu)
    /// A sequential container.
    public static func sequential(_ blocks: [BlockSpec]) -> BlockSpec { BlockSpec(kind: .sequential, blocks: blocks) }

    init(kind: Kind, weight: Int? = nil, bias: Int? = nil, inFeatures: Int? = nil, outFeatures: Int? = nil, blocks: [BlockSpec]? = nil) {
        self.kind = kind
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.blocks = blocks
    }
}

/// The arguments `answer` is called with, as far as the signature uses them.
public struct BuildArguments: Codable, Sendable, Equatable {
    /// `.sizes`: (in, out).
    public var sizes: [Int]
    /// `.blocks`, `.pair`: the blocks.
    public var blocks: [BlockSpec]
    /// `.countAndMaker`: n.
    public var count: Int
    /// `.countAndMaker`: what one call of the maker returns (a fresh one each call).
    public var maker: BlockSpec?

    /// Arguments; unused ones stay empty.
    public init(sizes: [Int] = [], blocks: [BlockSpec] = [], count: Int = 0, maker: BlockSpec? = nil) {
        self.sizes = sizes
        self.blocks = blocks
        self.count = count
        self.maker = maker
    }
}

/// Build an instance.
public struct Build: Codable, Sendable, Equatable {
    /// The id the grader gives it.
    public var instance: Int
    /// The seed of the random stream the answer is built in (its initialisation).
    public var seed: UInt64
    /// Converted to float64, or left as built.
    public var precision: Precision
    /// The answer's arguments.
    public var arguments: BuildArguments

    /// A build request.
    public init(instance: Int, seed: UInt64, precision: Precision, arguments: BuildArguments) {
        self.instance = instance
        self.seed = seed
        self.precision = precision
        self.arguments = arguments
    }
}

/// The reply to ``Build``.
public struct Built: Codable, Sendable, Equatable {
    /// The instance's id.
    public var instance: Int
    /// The module's type name, e.g. `MyReduction`.
    public var typeName: String
    /// `.countAndMaker`: how many times the answer called the maker.
    public var makerCalls: Int

    /// A built reply.
    public init(instance: Int, typeName: String, makerCalls: Int) {
        self.instance = instance
        self.typeName = typeName
        self.makerCalls = makerCalls
    }
}

/// An instance.
public struct InstanceRef: Codable, Sendable, Equatable {
    /// Its id.
    public var instance: Int

    /// A reference.
    public init(instance: Int) { self.instance = instance }
}

/// One forward evaluation: an input, and optionally parameter values to use for it (the
/// instance's own are restored afterwards).
public struct ForwardItem: Codable, Sendable, Equatable {
    /// The frame's tensor holding the input.
    public var input: Int
    /// Parameter names to the frame's tensors holding their values for this evaluation.
    public var parameters: [String: Int]

    /// An item.
    public init(input: Int, parameters: [String: Int] = [:]) {
        self.input = input
        self.parameters = parameters
    }
}

/// Forward evaluations.
public struct Forward: Codable, Sendable, Equatable {
    /// The instance.
    public var instance: Int
    /// The seed of the random stream each evaluation starts from.
    public var seed: UInt64
    /// The evaluations.
    public var items: [ForwardItem]

    /// A forward request.
    public init(instance: Int, seed: UInt64, items: [ForwardItem]) {
        self.instance = instance
        self.seed = seed
        self.items = items
    }
}

/// Load a state dict: tensor `i` of the frame is `names[i]`.
public struct LoadState: Codable, Sendable, Equatable {
    /// The instance.
    public var instance: Int
    /// The keys, in order.
    public var names: [String]

    /// A load request.
    public init(instance: Int, names: [String]) {
        self.instance = instance
        self.names = names
    }
}

/// Gradients at one input, for each output gradient (`y.backward(seed)` on a fresh forward).
public struct Gradients: Codable, Sendable, Equatable {
    /// The instance.
    public var instance: Int
    /// The seed of the random stream each pass starts from.
    public var seed: UInt64
    /// The frame's tensor holding the input.
    public var input: Int
    /// The frame's tensors holding the output gradients.
    public var outputGradients: [Int]

    /// A gradients request.
    public init(instance: Int, seed: UInt64, input: Int, outputGradients: [Int]) {
        self.instance = instance
        self.seed = seed
        self.input = input
        self.outputGradients = outputGradients
    }
}

/// The gradients of one backward pass: frame tensor indices, nil where no gradient arrived.
public struct GradientItem: Codable, Sendable, Equatable {
    /// The input's gradient.
    public var input: Int?
    /// The parameters' gradients, in the order of ``GradientsReply/parameterNames``.
    public var parameters: [Int?]
    /// The given blocks' parameters' gradients, in the order of ``GradientsReply/blockParameterNames``.
    public var blockParameters: [Int?]

    /// An item.
    public init(input: Int?, parameters: [Int?], blockParameters: [Int?]) {
        self.input = input
        self.parameters = parameters
        self.blockParameters = blockParameters
    }
}

/// The reply to ``Gradients``.
public struct GradientsReply: Codable, Sendable, Equatable {
    /// The instance's parameter names (`named_parameters()`).
    public var parameterNames: [String]
    /// The parameters of the blocks the instance was built with, as `b.name` (block `b`).
    public var blockParameterNames: [String]
    /// One per output gradient.
    public var items: [GradientItem]

    /// A reply.
    public init(parameterNames: [String], blockParameterNames: [String], items: [GradientItem]) {
        self.parameterNames = parameterNames
        self.blockParameterNames = blockParameterNames
        self.items = items
    }
}

/// The candidate's code failed a request without ending the process.
public struct Failure: Error, Codable, Sendable, Equatable {
    /// Why.
    public enum Kind: String, Codable, Sendable {
        /// The answer could not be loaded (Python: not Python, a syntax or import error, an `answer`
        /// that is not callable).
        case load
        /// The answer file defines nothing named `answer`.
        case noAnswer
        /// The candidate's code threw (Swift) or raised (Python).
        case raised
        /// A result the protocol cannot carry (Python: not a tensor; a shape that does not match).
        case unusable
        /// The request itself was wrong (an unknown instance): the grader's fault.
        case badRequest
        /// The child's own runtime is broken (Python: torch does not import): nobody's answer is at fault.
        case environment
    }

    /// Which kind.
    public var kind: Kind
    /// The message (for `.load` and `.raised`: the error, or the traceback's last lines).
    public var message: String

    /// A failure.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

// MARK: - JSON: {"kind": "...", "body": {...}}

extension ChildRequest: Codable {
    private enum Key: String, CodingKey { case kind, body }
    private enum Kind: String, Codable { case hello, build, forward, parameters, stateDict, loadStateDict, gradients }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .hello: self = .hello(try c.decode(Hello.self, forKey: .body))
        case .build: self = .build(try c.decode(Build.self, forKey: .body))
        case .forward: self = .forward(try c.decode(Forward.self, forKey: .body))
        case .parameters: self = .parameters(try c.decode(InstanceRef.self, forKey: .body))
        case .stateDict: self = .stateDict(try c.decode(InstanceRef.self, forKey: .body))
        case .loadStateDict: self = .loadStateDict(try c.decode(LoadState.self, forKey: .body))
        case .gradients: self = .gradients(try c.decode(Gradients.self, forKey: .body))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .hello(let b): try c.encode(Kind.hello, forKey: .kind); try c.encode(b, forKey: .body)
        case .build(let b): try c.encode(Kind.build, forKey: .kind); try c.encode(b, forKey: .body)
        case .forward(let b): try c.encode(Kind.forward, forKey: .kind); try c.encode(b, forKey: .body)
        case .parameters(let b): try c.encode(Kind.parameters, forKey: .kind); try c.encode(b, forKey: .body)
        case .stateDict(let b): try c.encode(Kind.stateDict, forKey: .kind); try c.encode(b, forKey: .body)
        case .loadStateDict(let b): try c.encode(Kind.loadStateDict, forKey: .kind); try c.encode(b, forKey: .body)
        case .gradients(let b): try c.encode(Kind.gradients, forKey: .kind); try c.encode(b, forKey: .body)
        }
    }
}

extension ChildReply: Codable {
    private enum Key: String, CodingKey { case kind, body }
    private enum Kind: String, Codable { case ready, built, outputs, tensors, loaded, gradients, failed }
    private struct Count: Codable { var count: Int }
    private struct Names: Codable { var names: [String] }
    private struct Empty: Codable {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .ready: self = .ready(try c.decode(Ready.self, forKey: .body))
        case .built: self = .built(try c.decode(Built.self, forKey: .body))
        case .outputs: self = .outputs(count: try c.decode(Count.self, forKey: .body).count)
        case .tensors: self = .tensors(names: try c.decode(Names.self, forKey: .body).names)
        case .loaded: self = .loaded
        case .gradients: self = .gradients(try c.decode(GradientsReply.self, forKey: .body))
        case .failed: self = .failed(try c.decode(Failure.self, forKey: .body))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .ready(let b): try c.encode(Kind.ready, forKey: .kind); try c.encode(b, forKey: .body)
        case .built(let b): try c.encode(Kind.built, forKey: .kind); try c.encode(b, forKey: .body)
        case .outputs(let n): try c.encode(Kind.outputs, forKey: .kind); try c.encode(Count(count: n), forKey: .body)
        case .tensors(let names): try c.encode(Kind.tensors, forKey: .kind); try c.encode(Names(names: names), forKey: .body)
        case .loaded: try c.encode(Kind.loaded, forKey: .kind); try c.encode(Empty(), forKey: .body)
        case .gradients(let b): try c.encode(Kind.gradients, forKey: .kind); try c.encode(b, forKey: .body)
        case .failed(let b): try c.encode(Kind.failed, forKey: .kind); try c.encode(b, forKey: .body)
        }
    }
}
