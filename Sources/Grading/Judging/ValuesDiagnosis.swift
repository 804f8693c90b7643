import LayerKit

// The order in which a wrong output is named, and the measurements beyond the one comparison
// that some names need. Each step claims only what its measurement shows; when none fits, the
// exercise's hint says what is expected, without guessing at the mistake.
//
// 1. two calls on the same input differ (non-determinism);
// 2. changing one row of the input moves other rows of the output (rows mixed);
// 3. all zeros, or agreement to float32 precision only;
// 4. a multiple of the reference (after rearranging (re, im) pairs), the factor measured again
//    for a second input and at other sizes before it is called a constant or named (1/√n);
// 5. the exercise's own exact alternatives (a mean over another axis, a missing activation,
//    shifted spectral bins, another order of blocks …);
// 6. an element-wise function of the expected output (relu, sigmoid, tanh, abs, square).

/// A size of an exercise, and how to compare candidate and reference with only it changed.
struct SizeProbe {
    let variable: SizeVariable
    /// The candidate's output at the other size, everything else as in the trial, and the
    /// reference there in each of its readings.
    let measure: (_ spec: LayerSpec, _ session: CandidateSession, _ trial: Trial) throws -> (got: Tensor, wants: [Tensor])

    /// The batch size: the same instance on an input whose first axis is `other`.
    static func batch(_ base: Int, _ other: Int) -> SizeProbe {
        SizeProbe(variable: SizeVariable(symbol: "B", meaning: "the batch size", base: base, other: other)) { _, _, trial in
            let x = Tensor.randn([other] + trial.x.shape.dropFirst(), dtype: .float64)
            return (try trial.module(x), withNoGrad { trial.readings.map { $0(x) } })
        }
    }

    /// The input's last axis: the same instance on an input whose last axis is `other`.
    static func lastAxis(_ symbol: String, meaning: String, _ base: Int, _ other: Int) -> SizeProbe {
        SizeProbe(variable: SizeVariable(symbol: symbol, meaning: meaning, base: base, other: other)) { _, _, trial in
            let x = Tensor.randn(trial.x.shape.dropLast() + [other], dtype: .float64)
            return (try trial.module(x), withNoGrad { trial.readings.map { $0(x) } })
        }
    }

    /// A size argument (`sizes[index]`): a fresh instance built with it changed to `other`,
    /// its reference from its own parameters, on an input whose last axis is `sizes[0]`.
    static func sizeArgument(_ symbol: String, meaning: String, index: Int, _ base: Int, _ other: Int) -> SizeProbe {
        SizeProbe(variable: SizeVariable(symbol: symbol, meaning: meaning, base: base, other: other)) { spec, session, trial in
            var arguments = trial.arguments
            arguments.sizes[index] = other
            let module = try session.build(arguments)
            let (input, ref) = try spec.reference(for: module, arguments)
            let readings = [ref] + (try spec.readings?(input) ?? [])
            let x = Tensor.randn(trial.x.shape.dropLast() + [arguments.sizes[0]], dtype: .float64)
            return (try module(x), withNoGrad { readings.map { $0(x) } })
        }
    }
}

/// Runs a measurement a diagnosis would like but no verdict needs: a candidate that fails it
/// (throws, crashes, refuses) gives nil rather than a reason about the measurement, and a
/// child that died is restarted for what follows. Running out of time still ends grading.
func probing<T>(_ session: CandidateSession, _ body: () throws -> T?) throws -> T? {
    do {
        return try body()
    } catch let failure as ChildFailure {
        if failure.endsGrading { throw failure }
        if failure.needsRestart { session.restart() }
        return nil
    } catch {
        return nil
    }
}

extension LayerSpec {
    /// `failed` (the values comparison of `trial`) with the best reason the maths gives, in
    /// the order above; `failed` itself (the exercise's hint) when nothing is recognised.
    func diagnose(_ trial: Trial, _ failed: Failed, session: CandidateSession, what: String = "the output") throws -> Failed {
        if let named = try nonDeterminism(of: trial.module, on: trial.x) { return named }
        if rowsIndependent, let named = try rowMixing(of: trial.module, on: trial.x) { return named }
        if let named = try describeOutput(trial, session: session, what: what) { return Failed(figure: failed.figure, reason: named) }
        return failed
    }

    /// Steps 3–6 for an output of the reference's shape; nil when none fits. Steps 4 and 6 try
    /// every reading of the reference (a wrong output may be closest to the wrong one).
    func describeOutput(_ trial: Trial, session: CandidateSession, what: String) throws -> String? {
        guard trial.got.shape == trial.want.shape else { return nil }
        if let plain = plainDifference(trial.got, trial.want) { return describe(plain, what: what) }
        let wants = [trial.want] + withNoGrad { trial.readings.dropFirst().map { $0(trial.x) } }
        for want in wants {
            if let (transform, c) = multipleOfReference(trial.got, want) {
                // A rearranged spectrum is named by its rearrangement, with the number alone;
                // a plain multiple by what the further measurements show of its factor.
                let scale = transform == .none ? describeFactor(try factorEvidence(trial, factor: c, session: session), what: what) : ""
                return describeMultiple(transform, factor: c, scale: scale, what: what)
            }
        }
        if let named = try namedMistake?(trial) { return named }
        let got = trial.got.to(.float64).doubles()
        for want in wants where want.shape == trial.got.shape {
            if let φ = elementwiseFunction(got, of: want.to(.float64).doubles()) { return describeElementwise(φ, what: what) }
        }
        return nil
    }

    /// The factor `c` of `trial` (output = c · reference, in some reading) measured again: for
    /// a second input of the same shape, and with each of the spec's sizes changed in turn.
    func factorEvidence(_ trial: Trial, factor c: Double, session: CandidateSession) throws -> FactorEvidence {
        /// The factor between `got` and whichever reading it is a multiple of.
        func factor(_ got: Tensor, _ wants: [Tensor]) -> Double? {
            let g = got.to(.float64).doubles()
            return wants.lazy.compactMap { $0.shape == got.shape ? multipleFactor(g, of: $0.to(.float64).doubles()) : nil }.first
        }
        let other = try probing(session) { () throws -> Double? in
            let x = Tensor.randn(trial.x.shape, dtype: .float64)
            return factor(try trial.module(x), withNoGrad { trial.readings.map { $0(x) } })
        }
        var evidence = FactorEvidence(base: c, otherInput: other, sizes: [])
        for probe in sizeProbes {
            let measured = try probing(session) { () throws -> Double? in
                let (got, wants) = try probe.measure(self, session, trial)
                return factor(got, wants)
            }
            evidence.sizes.append((probe.variable, measured))
        }
        return evidence
    }
}
