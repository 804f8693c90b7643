import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves the grader's requests for one answer until the grader closes the channel, then exits.
///
/// The channel is the process's standard input and output as the grader started it. Before
/// anything of the answer runs, they are moved to private descriptors: standard input
/// becomes `/dev/null` and standard output goes to standard error, so what the answer prints
/// is captured as its output and never mixed into the channel. The answer could still find
/// the channel's descriptors; writing to them only spoils its own replies.
///
/// `load` answers the first request, ``ChildRequest/hello(_:)``: the factory of the answer
/// to serve, or why it cannot be loaded.
public func serveChild(runtime: String, load: (Hello) -> Result<AnswerFactory, Failure>) -> Never {
    let channelIn = dup(0), channelOut = dup(1)
    let devNull = open("/dev/null", O_RDONLY)
    if devNull >= 0 { dup2(devNull, 0); close(devNull) }
    dup2(2, 1)
    guard channelIn >= 0, channelOut >= 0 else { exit(71) }

    var server: CandidateServer?
    while true {
        let request: Frame<ChildRequest>
        do {
            guard let prefix = try readExactly(channelIn, 8) else { exit(0) }  // the grader is done
            let length = try Frame<ChildRequest>.bodyLength(prefix, cap: FrameCap.request)
            guard let body = try readExactly(channelIn, length) else { exit(0) }
            request = try Frame<ChildRequest>.decode(body: body)
        } catch {
            FileHandle.standardError.write(Data("layerkit child: unreadable request: \(error)\n".utf8))
            exit(70)
        }
        let reply: Frame<ChildReply>
        if case .hello(let hello) = request.message {
            switch load(hello) {
            case .success(let factory):
                server = CandidateServer(factory: factory)
                reply = Frame(.ready(Ready(language: .swift, runtime: runtime)))
            case .failure(let failure):
                reply = Frame(.failed(failure))
            }
        } else if let server {
            reply = server.handle(request)
        } else {
            reply = Frame(.failed(Failure(.badRequest, "no answer loaded: hello first")))
        }
        fflush(nil)  // what the answer printed reaches the grader with each reply
        let bytes: Data
        do { bytes = try reply.encoded() } catch {
            bytes = (try? Frame<ChildReply>(.failed(Failure(.unusable, "the reply cannot be encoded: \(error)"))).encoded()) ?? Data()
        }
        guard writeAll(channelOut, bytes) else { exit(0) }  // the grader has gone
    }
}

/// The entry point of a compiled answer file: the generated `main` passes a function that
/// returns `answer` converted to the exercise's function type (called only after the channel
/// is set up).
public func serveCompiledAnswer(_ answer: () -> Any) -> Never {
    serveChild(runtime: "Swift") { hello in
        guard let factory = hello.signature.factory(calling: answer()) else {
            return .failure(Failure(.load, "`answer` is not a function \(hello.signature.swiftType)"))
        }
        return .success(factory)
    }
}

/// Reads exactly `count` bytes, or nil at end of stream before the first byte.
private func readExactly(_ fd: Int32, _ count: Int) throws -> Data? {
    if count == 0 { return Data() }
    var data = Data(count: count)
    var done = 0
    while done < count {
        let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, count - done) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            if done == 0 && n == 0 { return nil }
            throw FrameError.truncated
        }
        done += n
    }
    return data
}

/// Writes all of `data`; false when the other side has closed the channel.
private func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    var done = 0
    while done < data.count {
        let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + done, data.count - done) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        done += n
    }
    return true
}
