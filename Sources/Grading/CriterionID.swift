/// Every criterion a spec can check, identified by value (the raw value is the name shown
/// in reports). Known-wrong answers, weights and tests name criteria by these cases, never
/// by display text.
public enum CriterionID: String, Codable, Sendable, CaseIterable {
    /// A Swift answer file compiled (only for answers given as files).
    case compiles
    /// A Python answer file loaded: it is Python, imports, and defines `answer`.
    case loads
    /// Output shapes for several input shapes.
    case outputShape = "output shape"
    /// Parameters registered, counted and shaped as the exercise implies.
    case parameters
    /// Output values against the reference computed from the candidate's own parameters.
    case values
    /// `gradCheck` against central differences.
    case gradcheck
    /// Input and parameter gradients against the reference's.
    case gradients
    /// `stateDict()` saved and loaded into a fresh instance.
    case stateRoundTrip = "state round trip"
    /// MySequential: keys named as `nn.Sequential` names them.
    case stateDictNames = "state dict names"
    /// Parallel: every parameter of both branches gets a gradient.
    case bothBranchesGetGradients = "both branches get gradients"
    /// Factory: n separate instances, no parameter shared.
    case independentInstances = "independent instances"
    /// CenteredLayer: the book's printed output.
    case bookOutput = "book output"
    /// CenteredLayer: a centered network's output has mean 0.
    case centeredNetworkMean = "centered network mean"
    /// MyLinear: two instances stack in a Sequential.
    case stacksInSequential = "stacks in Sequential"
    /// Tensor reduction: sizes 1.
    case smallSizes = "in = 1, out = 1"
    /// Fourier: the imaginary parts are kept.
    case imaginaryParts = "imaginary parts"
    /// Fourier: odd lengths and n = 1.
    case oddLengths = "odd n and n = 1"

    /// The name shown in reports.
    public var name: String { rawValue }
}
