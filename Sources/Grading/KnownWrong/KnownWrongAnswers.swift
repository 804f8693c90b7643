import Exercises
import LayerKit

/// The shipped wrong answers, each a real learner mistake, with the criterion that must
/// reject it. `layerkit grade` grades them beside the references and fails if one slips by.
public let knownWrongAnswers: [Candidate] = [
    Candidate.myLinear("detached-weights", summary: "the book's self.weight.data: weights read through detach()") { i, u in
        BookMyLinear(inUnits: i, units: u)
    }.asKnownWrong(failing: .gradients),
    Candidate.fourierHalfSpectrum("real-part-only", summary: "returns rfft(x).real: the imaginary parts are dropped") {
        RealPartFourier()
    }.asKnownWrong(failing: .imaginaryParts),
    Candidate.fourierHalfSpectrum("all-coefficients", summary: "returns all n coefficients of the full DFT") {
        AllCoefficientsFourier()
    }.asKnownWrong(failing: .outputShape),
    Candidate.fourierHalfSpectrum("wrong-axis", summary: "transforms axis 0 instead of the last axis") {
        WrongAxisFourier()
    }.asKnownWrong(failing: .outputShape),
    Candidate.tensorReduction("same-index", summary: "computes Σ W_ijk x_i x_i (one index on x)") { i, k in
        SameIndexReduction(i, k)
    }.asKnownWrong(failing: .values),
    Candidate.tensorReduction("plain-property-weight", summary: "keeps W in a plain Tensor property, not a Parameter") { i, k in
        PlainPropertyReduction(i, k)
    }.asKnownWrong(failing: .parameters),
    Candidate.tensorReduction("crashes-on-batch-1", summary: "x.squeeze() drops the batch axis when the batch is 1") { i, k in
        SqueezingReduction(i, k)
    }.asKnownWrong(failing: .outputShape),
    Candidate.mySequential("unregistered-children", summary: "keeps the blocks in a list of closures, never registered") { blocks in
        FunctionListSequential(blocks)
    }.asKnownWrong(failing: .parameters),
    Candidate.factory("same-instance", summary: "returns one instance n times (shared parameters)") { n, make in
        let block = make()
        return Sequential(Array(repeating: block, count: n))
    }.asKnownWrong(failing: .independentInstances),
    Candidate.parallel("detached-branch", summary: "detaches net2's output: net2 never learns") { a, b in
        DetachedBranchParallel(a, b)
    }.asKnownWrong(failing: .bothBranchesGetGradients),
    Candidate.factory("one-instance-short", summary: "loops over 1..<n: n − 1 instances") { n, make in
        Sequential((1..<n).map { _ in make() })
    }.asKnownWrong(failing: .independentInstances),
    Candidate.fourierHalfSpectrum("orthonormal", summary: "divides by √n (numpy's norm=\"ortho\")") {
        NormalisedFourier { 1 / Double($0).squareRoot() }
    }.asKnownWrong(failing: .values),
    Candidate.fourierHalfSpectrum("forward-normalised", summary: "divides by n (numpy's norm=\"forward\")") {
        NormalisedFourier { 1 / Double($0) }
    }.asKnownWrong(failing: .values),
    Candidate.fourierHalfSpectrum("conjugated", summary: "uses e^{+iωt}: the conjugate spectrum") { ConjugatedFourier() }
        .asKnownWrong(failing: .values),
    Candidate.fourierHalfSpectrum("re-im-swapped", summary: "returns (im, re) pairs") { SwappedFourier() }
        .asKnownWrong(failing: .values),
    Candidate.fourierHalfSpectrum("all-zeros", summary: "allocates the result and never fills it") { ZeroFourier() }
        .asKnownWrong(failing: .values),
    Candidate.tensorReduction("float32-inside", summary: "computes in float32 whatever the input's dtype") { i, k in
        Float32Reduction(i, k)
    }.asKnownWrong(failing: .values),
    Candidate.tensorReduction("rows-mixed", summary: "reshapes the outer products [in·in, batch] and transposes") { i, k in
        RowMixingReduction(i, k)
    }.asKnownWrong(failing: .values),
    Candidate.tensorReduction("dropout-left-in", summary: "a Dropout left in forward") { i, k in DropoutReduction(i, k) }
        .asKnownWrong(failing: .values),
    Candidate.tensorReduction("weight-in-by-out", summary: "a weight [in, out] on x²: 12 numbers") { i, k in
        InByOutReduction(i, k)
    }.asKnownWrong(failing: .parameters),
    Candidate.centeredLayer("row-mean", summary: "subtracts each row's mean, not the mean of all elements") {
        RowCenteredLayer()
    }.asKnownWrong(failing: .values),
]

/// LayerKit's reference solutions, one per exercise (two for the Fourier layer: both
/// conventions, `n/2` and `n/2 + 1`, are right).
public let referenceSolutions: [Candidate] = [
    Candidate.mySequential("MySequential", summary: "Exercises.MySequential") { MySequential($0) }.asReference(),
    Candidate.parallel("Parallel", summary: "Exercises.Parallel") { Parallel($0, $1) }.asReference(),
    Candidate.factory("stackInstances", summary: "Exercises.stackInstances") { n, make in stackInstances(n, make) }.asReference(),
    Candidate.centeredLayer("CenteredLayer", summary: "Exercises.CenteredLayer") { CenteredLayer() }.asReference(),
    Candidate.myLinear("MyLinear", summary: "Exercises.MyLinear") { MyLinear(inUnits: $0, units: $1) }.asReference(),
    Candidate.tensorReduction("TensorReduction", summary: "Exercises.TensorReduction") {
        TensorReduction(inFeatures: $0, outFeatures: $1)
    }.asReference(),
    Candidate.tensorReduction("TensorReduction(bias: true)", summary: "Exercises.TensorReduction with a bias") {
        TensorReduction(inFeatures: $0, outFeatures: $1, bias: true)
    }.asReference(),
    Candidate.fourierHalfSpectrum("FourierHalfSpectrum", summary: "Exercises.FourierHalfSpectrum, m = n/2") {
        FourierHalfSpectrum()
    }.asReference(),
    Candidate.fourierHalfSpectrum("FourierHalfSpectrum(includeNyquist: true)", summary: "m = n/2 + 1") {
        FourierHalfSpectrum(includeNyquist: true)
    }.asReference(),
]
