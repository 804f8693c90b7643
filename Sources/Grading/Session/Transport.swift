import Foundation
import LayerKitChild

/// Carries requests to where a candidate runs and brings back the replies: this process
/// (``InProcessTransport``) or a sandboxed child (``ChildProcessTransport``). The judging code
/// above it does not know which.
protocol CandidateTransport: AnyObject {
    /// Sends `request` and returns the reply, or throws ``ChildFailure``.
    func exchange(_ request: Frame<ChildRequest>, until deadline: ContinuousClock.Instant) throws -> Frame<ChildReply>
    /// Ends the current child, if any; the next exchange starts a fresh one (with a hello).
    func reset()
}

/// Runs the candidate in this process: no isolation (a crash takes the caller down), but the
/// messages still go through their bytes, so the candidate never holds the grader's tensors
/// and the grader never holds the candidate's.
final class InProcessTransport: CandidateTransport {
    private let factory: AnswerFactory
    private var server: CandidateServer?

    init(factory: @escaping AnswerFactory) {
        self.factory = factory
    }

    func exchange(_ request: Frame<ChildRequest>, until deadline: ContinuousClock.Instant) throws -> Frame<ChildReply> {
        let copy: Frame<ChildRequest>
        do { copy = try Frame<ChildRequest>.decode(body: try request.encoded().dropFirst(8)) } catch {
            throw ChildFailure.malformed("the request cannot be encoded: \(error)")
        }
        let reply: Frame<ChildReply>
        if case .hello = copy.message {
            server = CandidateServer(factory: factory)
            reply = Frame(.ready(Ready(language: .swift, runtime: "Swift (in process)")))
        } else if let server {
            reply = server.handle(copy)
        } else {
            reply = Frame(.failed(Failure(.badRequest, "no hello")))
        }
        do { return try Frame<ChildReply>.decode(body: try reply.encoded().dropFirst(8)) } catch {
            throw ChildFailure.malformed("\(error)")
        }
    }

    func reset() { server = nil }
}
