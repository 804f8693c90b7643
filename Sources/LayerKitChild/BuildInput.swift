import LayerKit

/// What an answer's factory receives: the exercise's sizes and, for the container
/// exercises, the blocks to hold or the function making one.
public struct BuildInput {
    /// `.sizes`: the first size (in features, in units).
    public var inFeatures: Int
    /// `.sizes`: the second size (out features, units).
    public var outFeatures: Int
    /// `.blocks` and `.pair`: the blocks, in order.
    public var blocks: [Module]
    /// `.countAndMaker`: how many instances.
    public var count: Int
    /// `.countAndMaker`: makes one fresh block per call.
    public var makeBlock: () -> Module

    /// An input; unused fields keep their defaults.
    public init(inFeatures: Int = 0, outFeatures: Int = 0, blocks: [Module] = [], count: Int = 0,
                makeBlock: @escaping () -> Module = { Identity() }) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.blocks = blocks
        self.count = count
        self.makeBlock = makeBlock
    }
}

/// Builds a candidate's module from a ``BuildInput``.
public typealias AnswerFactory = (BuildInput) throws -> Module

extension AnswerSignature {
    /// The type `answer` must convert to, as Swift spells it.
    public var swiftType: String {
        switch self {
        case .blocks: return "([Module]) -> Module"
        case .pair: return "(Module, Module) -> Module"
        case .countAndMaker: return "(Int, () -> Module) -> Module"
        case .noArguments: return "() -> Module"
        case .sizes: return "(Int, Int) -> Module"
        }
    }

    /// The type the generated code converts `answer` to: ``swiftType`` allowed to throw.
    public var swiftThrowingType: String { swiftType.replacingOccurrences(of: ") -> Module", with: ") throws -> Module") }

    /// The factory calling `answer` (a value of ``swiftThrowingType``, boxed), or nil when it has another type.
    public func factory(calling answer: Any) -> AnswerFactory? {
        switch self {
        case .blocks:
            guard let f = answer as? ([Module]) throws -> Module else { return nil }
            return { try f($0.blocks) }
        case .pair:
            guard let f = answer as? (Module, Module) throws -> Module else { return nil }
            return { input in
                guard input.blocks.count == 2 else { throw BuildInputError("the pair exercise needs 2 blocks, got \(input.blocks.count)") }
                return try f(input.blocks[0], input.blocks[1])
            }
        case .countAndMaker:
            guard let f = answer as? (Int, () -> Module) throws -> Module else { return nil }
            return { try f($0.count, $0.makeBlock) }
        case .noArguments:
            guard let f = answer as? () throws -> Module else { return nil }
            return { _ in try f() }
        case .sizes:
            guard let f = answer as? (Int, Int) throws -> Module else { return nil }
            return { try f($0.inFeatures, $0.outFeatures) }
        }
    }
}

/// A request whose arguments do not fit the answer's signature.
struct BuildInputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
