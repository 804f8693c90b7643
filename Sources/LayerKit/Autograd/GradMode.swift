/// Whether ops record the autograd graph; off inside ``withNoGrad(_:)``.
///
/// Task-local, so a no-grad scope in one task never leaks into another running concurrently.
public enum GradMode {
    /// True unless inside a ``withNoGrad(_:)`` scope.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording the autograd graph (PyTorch's `torch.no_grad()`).
///
///     let y = withNoGrad { model(x) }
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs async `body` without recording the autograd graph.
public func withNoGrad<R>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R) async rethrows -> R {
    try await GradMode.$isEnabled.withValue(false, operation: body, isolation: isolation)
}

/// Runs `body` with graph recording on, even inside a ``withNoGrad(_:)`` scope.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true, operation: body)
}
