import LayerKitChild

/// The child side of this program for registered candidates (`LAYERKIT_GRADE_CHILD=1`):
/// serves the candidate the grader's hello names until the grader is done, then exits.
func serveRegisteredCandidates(_ candidates: [Candidate]) -> Never {
    serveChild(runtime: "Swift") { hello in
        guard let candidate = candidates.first(where: { $0.name == hello.candidate && $0.exercise.rawValue == hello.exercise }) else {
            return .failure(Failure(.load, "no candidate \(hello.candidate) for \(hello.exercise) in the child"))
        }
        return .success(candidate.build)
    }
}
