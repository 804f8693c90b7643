import Foundation
import Testing
@testable import LayerKit

/// The safetensors header's JSON reader: it accepts what Foundation's `JSONSerialization`
/// accepts (except trailing commas, which RFC 8259 forbids) and reads the same values from it,
/// and it keeps duplicate keys, which the header check needs and Foundation's readers drop.
@Suite("Safetensors header JSON")
struct HeaderJSONTests {
    @Test("Thousands of generated and mutated JSON texts: accepted exactly when JSONSerialization accepts them, with the same values")
    func agreesWithJSONSerialization() throws {
        var rng = HeaderRandom(seed: 20261202)
        var accepted = 0, rejected = 0
        for iteration in 0..<6000 {
            var text = Array(rng.value(depth: 0).utf8)
            if iteration % 2 == 1 {
                // JSON-shaped edits: most of these break the text, some keep it valid.
                let pieces = Array(#"0123456789-+.eE[]{}",: tfnul\"#.utf8)
                for _ in 0..<(1 + rng.below(3)) where !text.isEmpty {
                    let at = rng.below(text.count)
                    switch rng.below(3) {
                    case 0: text[at] = pieces[rng.below(pieces.count)]
                    case 1: text.remove(at: at)
                    default: text.insert(pieces[rng.below(pieces.count)], at: at)
                    }
                }
            }
            // The header's bytes are checked to be UTF-8 before they are parsed.
            guard String(validating: text, as: UTF8.self) != nil else { continue }
            let ours = try? text.withUnsafeBytes { try HeaderJSON.parse($0) }
            let foundation = try? JSONSerialization.jsonObject(with: Data(text), options: .fragmentsAllowed)
            let label = String(decoding: text, as: UTF8.self)
            // Foundation also accepts a trailing comma (`[1,]`), which RFC 8259 and Python's
            // reader do not: such texts must be refused here.
            let trailingComma = label.contains(/,[ \t\r\n]*[\]}]/)
            #expect((ours != nil) == (foundation != nil && !trailingComma), "\(label)")
            if let ours, let foundation {
                #expect(Self.same(ours, foundation), "\(label)")
                accepted += 1
            } else {
                rejected += 1
            }
        }
        // Both kinds must be well represented for the comparison to mean anything.
        #expect(accepted > 2000 && rejected > 800, "accepted \(accepted), rejected \(rejected)")
    }

    /// Our value against Foundation's, whose objects keep the last of duplicate keys.
    static func same(_ ours: HeaderJSON, _ theirs: Any) -> Bool {
        switch ours {
        case .object(let members):
            guard let object = theirs as? [String: Any], object.count == members.count else { return false }
            return members.allSatisfy { key, values in object[key].map { same(values.last, $0) } ?? false }
        case .array(let elements):
            guard let array = theirs as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { same($0, $1) }
        case .string(let s): return theirs as? String == s
        case .number(_, let d):
            // Foundation rounds some long decimals differently in the last place.
            guard let theirs = (theirs as? NSNumber)?.doubleValue else { return false }
            return abs(theirs - d) <= 1e-15 * abs(d)
        case .bool(let b): return theirs as? Bool == b
        case .null: return theirs is NSNull
        }
    }

    @Test("Strings: every escape, surrogate pairs and raw UTF-8 decode; lone surrogates and raw control characters do not")
    func strings() throws {
        func parse(_ text: String) throws -> HeaderJSON { try Array(text.utf8).withUnsafeBytes { try HeaderJSON.parse($0) } }
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4e2d\ud83d\ude00 é中😀""#) == .string("é中😀 é中😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        for bad in [#""\ud800""#, #""\ude00x""#, #""\ud800\u0041""#, "\"a\tb\"", #""\x""#, #""\u12""#, #""abc"#] {
            #expect(throws: HeaderJSONSyntaxError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test("Numbers: whole values are integers however written; out-of-range and malformed numbers are refused")
    func numbers() throws {
        func parse(_ text: String) throws -> HeaderJSON { try Array(text.utf8).withUnsafeBytes { try HeaderJSON.parse($0) } }
        #expect(try parse("[8, 8.0, 8e0, 0.8e1, -0, 9223372036854775807]") == .array([
            .number(integer: 8, double: 8), .number(integer: 8, double: 8), .number(integer: 8, double: 8),
            .number(integer: 8, double: 8), .number(integer: 0, double: 0),
            .number(integer: .max, double: Double(Int.max))]))
        guard case .array(let big) = try parse("[9223372036854775808, 1e30, 1.5]") else { Issue.record("not an array"); return }
        let integers: [Int?] = big.map { if case .number(let i, _) = $0 { return i } else { return 0 } }
        #expect(integers == [nil, nil, nil])
        for bad in ["01", "1.", ".5", "-", "+1", "1e", "1e+", "1e400", "0x10", "NaN", "Infinity"] {
            #expect(throws: HeaderJSONSyntaxError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test("Nesting: 128 levels parse, 129 are refused without exhausting the stack")
    func nesting() throws {
        func nested(_ n: Int) -> [UInt8] { Array((String(repeating: "[", count: n) + String(repeating: "]", count: n)).utf8) }
        #expect(throws: Never.self) { try nested(128).withUnsafeBytes { try HeaderJSON.parse($0) } }
        #expect(throws: HeaderJSONSyntaxError.self) { try nested(129).withUnsafeBytes { try HeaderJSON.parse($0) } }
        #expect(throws: HeaderJSONSyntaxError.self) { try nested(1_000_000).withUnsafeBytes { try HeaderJSON.parse($0) } }
    }

    @Test("A header of 20,000 tensors, metadata keys and escapes reads every entry, in offset order")
    func largeHeader() throws {
        // Lookups by key and escaped strings must stay linear: a 100 MB header is allowed.
        let n = 20_000
        var text = #"{"__metadata__":{"#
        text += (0..<n).map { #""k\#($0)":"é\#($0)""# }.joined(separator: ",")
        text += "},"
        text += (0..<n).map { #""t\#($0)":{"dtype":"U8","shape":[1],"data_offsets":[\#($0),\#($0 + 1)]}"# }
            .joined(separator: ",")
        text += "}"
        let bytes = Array(text.utf8)
        let header = try bytes.withUnsafeBytes { try SafetensorsHeader.parse($0) }
        #expect(header.metadata?.count == n && header.metadata?["k123"] == "é123")
        var entries = header.entries
        try Safetensors.validateLayout(&entries, dataByteCount: n)
        #expect(entries.map(\.name) == (0..<n).map { "t\($0)" })
        let escapes = Array(("\"" + String(repeating: #"\n"#, count: 200_000) + "\"").utf8)
        #expect(try escapes.withUnsafeBytes { try HeaderJSON.parse($0) } == .string(String(repeating: "\n", count: 200_000)))
    }

    @Test("A duplicate key that changes a tensor, its fields or the metadata is refused; an identical one is not")
    func duplicates() throws {
        let w = #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        func header(_ text: String) throws -> SafetensorsHeader {
            try Array(text.utf8).withUnsafeBytes { try SafetensorsHeader.parse($0) }
        }
        #expect(try header("{\(w),\(w)}").entries.map(\.name) == ["w"])
        #expect(throws: SafetensorsError.duplicateKey("w")) {
            try header(#"{"w":{"dtype":"F32","dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#)
        }
        #expect(throws: SafetensorsError.duplicateKey("w")) {
            try header(#"{\#(w),"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"shape":[1,2]}}"#)
        }
        #expect(throws: SafetensorsError.duplicateKey("w")) { try header(#"{\#(w),"w":[0]}"#) }
        #expect(throws: SafetensorsError.duplicateKey("__metadata__")) {
            try header(#"{"__metadata__":{"k":"a","k":"b"},\#(w)}"#)
        }
        #expect(throws: SafetensorsError.duplicateKey("__metadata__")) {
            try header(#"{"__metadata__":{"k":"a"},\#(w),"__metadata__":null}"#)
        }
        #expect(try header(#"{"__metadata__":{"k":"a","k":"a"},\#(w)}"#).metadata == ["k": "a"])
        // Fields LayerKit does not read may repeat with any value, as before.
        #expect(try header(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1,"x":2}}"#).entries.count == 1)
    }
}

/// Random JSON texts: every kind of value, random whitespace, escapes, duplicate keys.
private struct HeaderRandom {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func below(_ n: Int) -> Int { generator.below(n) }

    mutating func space() -> String { [" ", "", "", "\n", "\t", "\r\n  "][below(6)] }

    mutating func value(depth: Int) -> String {
        let kind = depth > 4 ? 2 + below(4) : below(6)
        switch kind {
        case 0:
            let keys = ["a", "w", "dtype", "shape", "é", "\\u0041", "a\\\"b", ""]
            let members = (0..<below(4)).map { _ in
                "\"\(keys[below(keys.count)])\"\(space()):\(space())\(value(depth: depth + 1))"
            }
            return "{\(space())" + members.joined(separator: "\(space()),\(space())") + "\(space())}"
        case 1:
            return "[" + (0..<below(4)).map { _ in value(depth: depth + 1) }.joined(separator: ",\(space())") + "]"
        case 2:
            let parts = ["x", "F32", "\\n", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "中", "😀", " ", "\\t"]
            return "\"" + (0..<below(5)).map { _ in parts[below(parts.count)] }.joined() + "\""
        case 3:
            let numbers = ["0", "-0", "8", "-12", "8.0", "1e3", "2.5E-3", "123456789012", "9223372036854775807",
                           "9223372036854775808", "1e30", "0.1", "-7.25e+2"]
            return numbers[below(numbers.count)]
        case 4: return ["true", "false", "null"][below(3)]
        default: return "\(space())\(value(depth: depth + 1))\(space())"
        }
    }
}
