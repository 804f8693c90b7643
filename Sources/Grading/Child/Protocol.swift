import Foundation

/// The environment variable that marks a process as a grading child. Its value carries
/// nothing: the request comes on standard input.
let childEnvironmentKey = "LAYERKIT_GRADE_CHILD"

/// What the grader asks a child to do, written as JSON on the child's standard input (which
/// the child reads to the end before any candidate code runs).
struct ChildRequest: Codable, Sendable {
    /// The exercise the candidate answers.
    var exercise: Exercise
    /// The registered candidate's name (ignored by a compiled submission's child, which has one).
    var candidate: String
    /// Seed of the random inputs.
    var seed: UInt64
    /// The first criterion to run (a child restarted after a crash resumes after it).
    var start: Int
    /// The private file the results go to (outside the candidate's working directory).
    var resultsPath: String
    /// A random 128-bit key, new for every child run, that tags each result line. It exists
    /// only in the grader's and the child's memory, never in a file or the environment.
    var key: MessageKey
    /// Address-space limit in bytes, set before any candidate code runs.
    var memoryLimit: UInt64?
    /// CPU-time limit in whole seconds.
    var cpuSeconds: UInt64?
}

/// What one result line says.
struct ChildPayload: Codable, Sendable {
    /// The criterion's index in the spec.
    var index: Int
    /// Its result; nil with `setupError` when the child could not start grading.
    var result: CriterionResult?
    /// Why the child could not grade at all (unknown candidate).
    var setupError: String?
}

/// One line of the private results file: the payload's JSON text and its SipHash-2-4 tag
/// under the request's key. A candidate that reads the file learns results it already knows;
/// without the key it cannot make a line the grader accepts.
struct ChildMessage: Codable, Sendable {
    var payload: String
    var tag: UInt64

    init(_ payload: ChildPayload, key: MessageKey) throws {
        self.payload = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        tag = key.tag(self.payload)
    }

    /// The payload when the tag is right under `key`, else nil.
    func verified(with key: MessageKey) -> ChildPayload? {
        guard key.tag(payload) == tag else { return nil }
        return try? JSONDecoder().decode(ChildPayload.self, from: Data(payload.utf8))
    }
}

/// A 128-bit SipHash key.
struct MessageKey: Codable, Sendable, Equatable {
    var k0: UInt64
    var k1: UInt64

    /// A fresh key from the system's random source.
    static func random() -> MessageKey {
        var generator = SystemRandomNumberGenerator()
        return MessageKey(k0: generator.next(), k1: generator.next())
    }

    /// SipHash-2-4 of `text`'s UTF-8 bytes.
    func tag(_ text: String) -> UInt64 { sipHash24(Array(text.utf8), k0: k0, k1: k1) }
}

/// SipHash-2-4 (Aumasson and Bernstein), a keyed pseudo-random function for short messages.
func sipHash24(_ data: [UInt8], k0: UInt64, k1: UInt64) -> UInt64 {
    var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0, v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
    var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0, v3: UInt64 = 0x7465_6462_7974_6573 ^ k1
    func rotl(_ x: UInt64, _ b: UInt64) -> UInt64 { (x << b) | (x >> (64 - b)) }
    func round() {
        v0 &+= v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
        v2 &+= v3; v3 = rotl(v3, 16); v3 ^= v2
        v0 &+= v3; v3 = rotl(v3, 21); v3 ^= v0
        v2 &+= v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    }
    func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
    var i = 0
    while i + 8 <= data.count {
        let m = word(data[i ..< i + 8])
        v3 ^= m; round(); round(); v0 ^= m
        i += 8
    }
    let last = word(data[i...]) | UInt64(truncatingIfNeeded: data.count) << 56
    v3 ^= last; round(); round(); v0 ^= last
    v2 ^= 0xff
    round(); round(); round(); round()
    return v0 ^ v1 ^ v2 ^ v3
}
