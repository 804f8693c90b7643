// The safetensors header's JSON, read in one pass.
//
// Foundation's two JSON readers could not do this job alone: neither reports a duplicate key
// (`JSONDecoder` keeps the first value, `JSONSerialization` the last), so the header used to
// be read with both and the results compared, which took about half of a small file's load
// time (two generic parses of a few hundred bytes: ~50 µs against ~2 µs here). This reader
// keeps the first and the last value of every key of an object, so the header is built from the
// first occurrences and, where a key repeats, checked against the last (see `SafetensorsHeader`).
//
// It accepts exactly RFC 8259 JSON (plus a leading UTF-8 byte order mark, which RFC 8259
// allows a reader to skip and Foundation's readers did), nested at most 128 deep as serde_json
// (the reference reader's parser) allows, and numbers that fit a finite Double.

/// A parsed JSON value; an object keeps, for each key, the first and the last value given.
indirect enum HeaderJSON: Equatable {
    case object([String: Occurrences])
    case array([HeaderJSON])
    case string(String)
    /// A number: its value as an integer when it is whole and fits an `Int`, and as a Double.
    case number(integer: Int?, double: Double)
    case bool(Bool)
    case null

    static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(_, let x), .number(_, let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// An object's members by key; nil when this is not an object.
    var members: [String: Occurrences]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether this is an object that gives some key more than once (at its own level).
    var repeatsAKey: Bool { members?.values.contains { $0.repeated } ?? false }

    /// The first and the last value an object gives one key (the same value, `repeated`
    /// false, when the key appears once).
    struct Occurrences: Equatable {
        let first: HeaderJSON
        let last: HeaderJSON
        let repeated: Bool
        subscript(pick: SafetensorsHeader.Pick) -> HeaderJSON { pick == .first ? first : last }
    }

    /// Parses `bytes` (already checked to be UTF-8) as one JSON text.
    ///
    /// - Throws: ``HeaderJSONSyntaxError`` naming the byte where the text stops being JSON.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> HeaderJSON {
        var reader = Reader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        if reader.position < bytes.count { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    /// Maximum nesting of arrays and objects, as serde_json's default recursion limit.
    static let maxDepth = 128

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func error(_ what: String) -> HeaderJSONSyntaxError {
            HeaderJSONSyntaxError(detail: "\(what) at byte \(position)")
        }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
        }

        mutating func expect(_ literal: StaticString, _ value: HeaderJSON) throws -> HeaderJSON {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count,
                  (0..<count).allSatisfy({ bytes[position + $0] == literal.utf8Start[$0] })
            else { throw error("invalid literal") }
            position += count
            return value
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            skipWhitespace()
            guard let c = peek else { throw error("unexpected end of the header") }
            switch c {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("invalid value")
            }
        }

        mutating func object(depth: Int) throws -> HeaderJSON {
            if depth > HeaderJSON.maxDepth { throw error("nested more than \(HeaderJSON.maxDepth) deep") }
            position += 1
            var members: [String: Occurrences] = [:]
            skipWhitespace()
            if peek == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a key string") }
                let key = try string()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
                position += 1
                let value = try value(depth: depth)
                if let seen = members[key] {
                    members[key] = Occurrences(first: seen.first, last: value, repeated: true)
                } else {
                    members[key] = Occurrences(first: value, last: value, repeated: false)
                }
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw error("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws -> HeaderJSON {
            if depth > HeaderJSON.maxDepth { throw error("nested more than \(HeaderJSON.maxDepth) deep") }
            position += 1
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(elements)
                default: throw error("expected ',' or ']'")
                }
            }
        }

        /// A string starting at the opening quote; the bytes between escapes are copied as
        /// they are (the whole header was checked to be UTF-8, and quotes and backslashes are
        /// ASCII, so every run between them is UTF-8 too).
        mutating func string() throws -> String {
            position += 1
            var start = position
            var decoded: [UInt8]? = nil
            while true {
                guard let c = peek else { throw error("unterminated string") }
                if c == UInt8(ascii: "\"") {
                    let run = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    guard var prefix = decoded else { return String(decoding: run, as: UTF8.self) }
                    prefix.append(contentsOf: run)
                    return String(decoding: prefix, as: UTF8.self)
                }
                if c < 0x20 { throw error("unescaped control character in a string") }
                if c != UInt8(ascii: "\\") { position += 1; continue }
                // Appended in place: a string of many escapes stays linear.
                if decoded == nil { decoded = [] }
                decoded!.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
                position += 1
                guard let e = peek else { throw error("unterminated string") }
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded!.append(e)
                case UInt8(ascii: "b"): decoded!.append(0x08)
                case UInt8(ascii: "f"): decoded!.append(0x0C)
                case UInt8(ascii: "n"): decoded!.append(0x0A)
                case UInt8(ascii: "r"): decoded!.append(0x0D)
                case UInt8(ascii: "t"): decoded!.append(0x09)
                case UInt8(ascii: "u"): decoded!.append(contentsOf: try unicodeEscape())
                default: position -= 1; throw error("invalid escape")
                }
                start = position
            }
        }

        /// The UTF-8 bytes of a `\u` escape (after the `u`), joining a surrogate pair.
        mutating func unicodeEscape() throws -> [UInt8] {
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard peek == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("a high surrogate without a low one") }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("a high surrogate without a low one") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("a low surrogate without a high one")
            }
            return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[position]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                v = v << 4 | UInt32(digit)
                position += 1
            }
            return v
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, exactly.
        mutating func number() throws -> HeaderJSON {
            let start = position
            var isInteger = true
            if peek == UInt8(ascii: "-") { position += 1 }
            guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                throw error("invalid number")
            }
            if first == UInt8(ascii: "0") { position += 1 } else { skipDigits() }
            if peek == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard digitsFollow() else { throw error("invalid number") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
                guard digitsFollow() else { throw error("invalid number") }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let double = Double(text), double.isFinite else {
                position = start
                throw error("number out of range")
            }
            // Whole numbers written with a fraction or exponent (`8.0`, `1e3`) count as
            // integers, as Foundation's JSONDecoder reads them.
            let integer = isInteger ? Int(text) : (double == double.rounded() ? Int(exactly: double) : nil)
            return .number(integer: integer, double: double)
        }

        mutating func skipDigits() {
            while let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { position += 1 }
        }

        mutating func digitsFollow() -> Bool {
            let start = position
            skipDigits()
            return position > start
        }
    }
}

/// Where a header stops being JSON, e.g. "expected ',' or '}' at byte 41".
struct HeaderJSONSyntaxError: Error {
    let detail: String
}
