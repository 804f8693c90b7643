import Foundation

// The safetensors byte layout, both directions:
//
//     [8 bytes: header length N, little-endian UInt64]
//     [N bytes: UTF-8 JSON object, space-padded to a multiple of 8]
//     [data block: each tensor row-major, little-endian, at its data_offsets]
//
// Reading follows the reference implementation (huggingface/safetensors, `Metadata::validate`):
// entries sorted by offsets must tile the data block exactly — starting at 0, no gaps, no
// overlaps, ending at the last byte — and each range holds exactly shape × dtype-size bytes.
// That makes every byte string either a valid file or a thrown error, and bounds what a
// hostile file can make us allocate by the file's own size.

/// The element types the safetensors format defines, with their width in bits.
enum SafetensorsDType: String, CaseIterable {
    case bool = "BOOL", f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2", u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case c64 = "C64", f64 = "F64", i64 = "I64", u64 = "U64"
    /// Complex float64 pairs. Not in the reference format (Python's `safetensors` 0.8 has no
    /// complex128); read and written by LayerKit for its own files only.
    case c128 = "C128"

    var bitCount: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        case .c128: return 128
        }
    }

    /// The LayerKit dtype a tensor of this safetensors dtype loads as (complex types as their
    /// real parts' dtype, with a trailing axis of 2), or nil when LayerKit has none.
    var layerKitDType: DType? {
        switch self {
        case .f32, .f16, .bf16, .c64: return .float32
        case .f64, .c128: return .float64
        case .i64: return .int64
        case .i32: return .int32
        case .u8: return .uint8
        case .bool: return .bool
        case .f4, .f6e2m3, .f6e3m2, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz, .i16, .u16, .u32, .u64:
            return nil
        }
    }

    /// The safetensors dtype of a LayerKit dtype (what `save` writes); with `complex`, the
    /// complex type whose (real, imaginary) pairs a float tensor's trailing axis of 2 holds.
    static func of(_ dtype: DType, complex: Bool = false) -> SafetensorsDType {
        switch dtype {
        case .float32: return complex ? .c64 : .f32
        case .float64: return complex ? .c128 : .f64
        case .int64: return .i64
        case .int32: return .i32
        case .uint8: return .u8
        case .bool: return .bool
        }
    }
}

/// One tensor's entry in the header, checked for types but not yet against the data block.
struct SafetensorsEntry: Equatable {
    let name: String
    let dtype: SafetensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int

    /// The element count and the byte count the shape needs, overflow-checked.
    ///
    /// Zero dimensions are skipped when checking for overflow, so a shape such as
    /// `[0, 2^62, 4]` is refused even though it holds no elements: every later stride
    /// computation on an accepted shape then fits in an `Int`.
    func sizes() throws -> (elements: Int, bytes: Int) {
        var nonZero = 1
        for d in shape where d != 0 {
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: d)
            if overflow { throw SafetensorsError.shapeOverflow(tensor: name) }
            nonZero = p
        }
        let (bits, overflow) = nonZero.multipliedReportingOverflow(by: dtype.bitCount)
        if overflow { throw SafetensorsError.shapeOverflow(tensor: name) }
        if shape.contains(0) { return (0, 0) }
        if bits % 8 != 0 {
            // Sub-byte dtypes (F4, F6) must fill whole bytes, as the reference reader requires.
            throw SafetensorsError.byteCountMismatch(
                tensor: name, dtype: dtype.rawValue, shape: shape, expected: (bits + 7) / 8, actual: end - begin)
        }
        return (nonZero, bits / 8)
    }
}

/// The parsed header. Building it throws ``SafetensorsError`` for every malformed entry.
struct SafetensorsHeader {
    static let metadataKey = "__metadata__"

    var entries: [SafetensorsEntry] = []
    var metadata: [String: String]?

    /// The header a parsed JSON object describes, from the first occurrence of each key,
    /// checked in name order so that a file with several faults always reports the same one.
    init(_ json: HeaderJSON) throws {
        guard let members = json.members else { throw SafetensorsError.headerNotObject }
        for key in members.keys.sorted() {
            let value = members[key]!.first
            if key == Self.metadataKey {
                metadata = try Self.metadata(value, pick: .first)
            } else {
                entries.append(try Self.entry(key, value, pick: .first))
            }
        }
    }

    /// Parses a header's bytes, refusing a key given twice with different values.
    ///
    /// The format forbids duplicate keys; readers that keep the first value and readers that
    /// keep the last one (Python's) would load different tensors from such a file. An entry or
    /// the metadata whose key, or one of whose own keys, repeats is read again from the last
    /// occurrences and must come out the same: identical duplicates are harmless and pass, any
    /// other throws ``SafetensorsError/duplicateKey(_:)``.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> SafetensorsHeader {
        let json: HeaderJSON
        do { json = try HeaderJSON.parse(bytes) } catch let error as HeaderJSONSyntaxError {
            throw SafetensorsError.headerNotJSON(detail: error.detail)
        }
        let header = try SafetensorsHeader(json)
        let members = json.members!
        func repeats(_ key: String) -> Bool { members[key].map { $0.repeated || $0.first.repeatsAKey } ?? false }
        for entry in header.entries where repeats(entry.name)
            && (try? Self.entry(entry.name, members[entry.name]!.last, pick: .last)) != entry {
            throw SafetensorsError.duplicateKey(entry.name)
        }
        if repeats(metadataKey) {
            let other: [String: String]?? = try? Self.metadata(members[metadataKey]!.last, pick: .last)
            if other != .some(header.metadata) { throw SafetensorsError.duplicateKey(metadataKey) }
        }
        return header
    }

    /// Which of a repeated key's values a reading takes.
    enum Pick { case first, last }

    private static func metadata(_ value: HeaderJSON, pick: Pick) throws -> [String: String]? {
        // The reference reader accepts `"__metadata__": null` as "no metadata".
        if value == .null { return nil }
        guard let members = value.members else { throw SafetensorsError.metadataNotObject }
        var result: [String: String] = [:]
        for key in members.keys.sorted() {
            guard case .string(let s) = members[key]![pick] else {
                throw SafetensorsError.metadataValueNotString(key: key)
            }
            result[key] = s
        }
        return result
    }

    private static func entry(_ name: String, _ value: HeaderJSON, pick: Pick) throws -> SafetensorsEntry {
        guard let members = value.members else { throw SafetensorsError.entryNotObject(tensor: name) }
        func field(_ key: String) -> HeaderJSON? { members[key]?[pick] }
        guard let dtypeValue = field("dtype") else {
            throw SafetensorsError.missingField(tensor: name, field: "dtype")
        }
        guard case .string(let dtypeName) = dtypeValue else {
            throw SafetensorsError.wrongFieldType(tensor: name, field: "dtype", expected: "a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(tensor: name, dtype: dtypeName)
        }
        let shape = try integers(field("shape"), "shape", tensor: name, tooLarge: .shapeOverflow(tensor: name))
        let offsets = try integers(
            field("data_offsets"), "data_offsets", tensor: name,
            tooLarge: .invalidOffsets(tensor: name, reason: "an offset does not fit in a 64-bit integer"))
        if shape.contains(where: { $0 < 0 }) { throw SafetensorsError.negativeDimension(tensor: name, shape: shape) }
        guard offsets.count == 2 else {
            throw SafetensorsError.invalidOffsets(tensor: name, reason: "expected [begin, end], got \(offsets)")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, end >= 0 else {
            throw SafetensorsError.invalidOffsets(tensor: name, reason: "\(offsets) has a negative offset")
        }
        guard begin <= end else {
            throw SafetensorsError.invalidOffsets(tensor: name, reason: "begin \(begin) is after end \(end)")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// A JSON array of integers. A whole number too large for `Int` throws `tooLarge`, anything
    /// else that is not an integer throws ``SafetensorsError/wrongFieldType(tensor:field:expected:)``.
    private static func integers(
        _ value: HeaderJSON?, _ field: String, tensor: String, tooLarge: SafetensorsError
    ) throws -> [Int] {
        guard let value else { throw SafetensorsError.missingField(tensor: tensor, field: field) }
        let wrongType = SafetensorsError.wrongFieldType(tensor: tensor, field: field, expected: "an array of integers")
        guard case .array(let elements) = value else { throw wrongType }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        var whole = true
        for element in elements {
            guard case .number(let integer, let double) = element else { throw wrongType }
            if let integer { result.append(integer) } else if double != double.rounded() { whole = false }
        }
        if result.count == elements.count { return result }
        throw whole ? tooLarge : wrongType
    }
}

extension Safetensors {
    // MARK: Reading

    /// Parses and validates a whole file image; the tensors come back ordered by data offset.
    static func decodeImage(
        _ raw: UnsafeRawBufferPointer, skipUnsupported: Bool = false
    ) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        try decode(MemoryBytes(raw: raw), skipUnsupported: skipUnsupported)
    }

    /// Parses and validates the file image `source` holds; the tensors come back ordered by
    /// data offset, each read from `source` straight into its own storage.
    static func decode(
        _ source: some SafetensorsBytes, skipUnsupported: Bool = false
    ) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        let size = source.byteCount
        guard size >= 8 else { throw SafetensorsError.fileTooShort(byteCount: size) }
        var lengthBytes: UInt64 = 0
        try withUnsafeMutableBytes(of: &lengthBytes) { try source.read(at: 0, count: 8, into: $0.baseAddress!) }
        let headerLength = UInt64(littleEndian: lengthBytes)
        guard headerLength <= UInt64(maxHeaderByteCount) else {
            throw SafetensorsError.headerTooLarge(byteCount: headerLength)
        }
        guard headerLength <= UInt64(size - 8) else {
            throw SafetensorsError.headerBeyondFile(headerByteCount: headerLength, fileByteCount: size)
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = try [UInt8](unsafeUninitializedCapacity: Int(headerLength)) { buffer, initialized in
            if let base = buffer.baseAddress { try source.read(at: 8, count: buffer.count, into: base) }
            initialized = buffer.count
        }
        var header = try headerBytes.withUnsafeBytes { try parseHeader($0) }
        try validateLayout(&header.entries, dataByteCount: size - dataStart)

        var tensors: [(String, Tensor)] = []
        tensors.reserveCapacity(header.entries.count)
        for entry in header.entries {
            if skipUnsupported && entry.dtype.layerKitDType == nil { continue }
            tensors.append((entry.name, try makeTensor(entry) { destination, count in
                try source.read(at: dataStart + entry.begin, count: count, into: destination)
            }))
        }
        return (tensors, header.metadata)
    }

    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> SafetensorsHeader {
        // Checked here so that every string the JSON reader copies out is valid UTF-8.
        guard String(validating: bytes, as: UTF8.self) != nil else { throw SafetensorsError.headerNotUTF8 }
        return try SafetensorsHeader.parse(bytes)
    }

    /// Sorts the entries by offset and checks that they tile the data block exactly.
    static func validateLayout(_ entries: inout [SafetensorsEntry], dataByteCount: Int) throws {
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        var previous = ""
        for e in entries {
            guard e.end <= dataByteCount else {
                throw SafetensorsError.offsetsOutOfRange(tensor: e.name, begin: e.begin, end: e.end, dataByteCount: dataByteCount)
            }
            if e.begin < cursor {
                throw SafetensorsError.overlappingOffsets(tensor: e.name, previous: previous, begin: e.begin, previousEnd: cursor)
            }
            if e.begin > cursor {
                throw SafetensorsError.gapInData(tensor: e.name, expectedBegin: cursor, begin: e.begin)
            }
            let bytes = try e.sizes().bytes
            guard e.end - e.begin == bytes else {
                throw SafetensorsError.byteCountMismatch(
                    tensor: e.name, dtype: e.dtype.rawValue, shape: e.shape, expected: bytes, actual: e.end - e.begin)
            }
            cursor = e.end
            previous = e.name
        }
        guard cursor == dataByteCount else {
            throw SafetensorsError.trailingBytes(dataByteCount: dataByteCount, indexedByteCount: cursor)
        }
    }

    /// A tensor holding a validated entry's bytes: F32/F64 and the integer and bool types
    /// copied whole, F16/BF16 widened to float32, C64/C128 as float32/float64 with a trailing
    /// axis of 2 (real, imaginary), like `torch.view_as_real`.
    ///
    /// `read(destination, n)` writes the entry's `n` stored bytes to `destination`: straight
    /// into the tensor's storage, except F16/BF16, which go through a scratch buffer to be widened.
    static func makeTensor(
        _ entry: SafetensorsEntry, read: (UnsafeMutableRawPointer, Int) throws -> Void
    ) throws -> Tensor {
        let (count, byteCount) = try entry.sizes()
        guard let dtype = entry.dtype.layerKitDType else {
            throw SafetensorsError.unsupportedDType(tensor: entry.name, dtype: entry.dtype.rawValue)
        }
        switch entry.dtype {
        case .f16, .bf16:
            let stored = try [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
                if let base = buffer.baseAddress { try read(base, byteCount) }
                initialized = byteCount
            }
            let values = stored.withUnsafeBytes { bytes in
                (0..<count).map { i -> Float in
                    let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
                    // bfloat16 is float32's top half.
                    return entry.dtype == .f16 ? floatFromHalf(bits) : Float(bitPattern: UInt32(bits) << 16)
                }
            }
            return Tensor(values, shape: entry.shape)
        case .bool:
            // Any non-zero byte is true, as numpy reads it; stored as 0/1.
            return try Tensor.fromLittleEndian(count: count, shape: entry.shape, dtype: .uint8) { try read($0, byteCount) }.to(.bool)
        case .c64, .c128:
            return try Tensor.fromLittleEndian(count: 2 * count, shape: entry.shape + [2], dtype: dtype) { try read($0, byteCount) }
        case .f32, .f64, .i64, .i32, .u8, .i8, .i16, .u16, .u32, .u64, .f4, .f6e2m3, .f6e3m2,
             .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz:
            // Stored as LayerKit stores `dtype` (the unsupported ones were refused above).
            return try Tensor.fromLittleEndian(count: count, shape: entry.shape, dtype: dtype) { try read($0, byteCount) }
        }
    }

    // MARK: Writing

    /// The header JSON, keys in data order like the reference writer (metadata first), space-padded
    /// to a multiple of 8 so the data block starts 8-byte aligned.
    ///
    /// Written by hand rather than with `JSONEncoder`, because Foundation's encoders do not keep
    /// key order, and the format's readers expect — and humans read — a header in layout order.
    /// Strings are escaped as RFC 8259 and `serde_json` do, so the header is byte-identical to
    /// the one Python's `safetensors` writes for the same tensors in the same order.
    static func headerBytes(
        _ entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)], metadata: [String: String]?
    ) -> [UInt8] {
        var json = "{"
        if let metadata {
            json += "\"\(SafetensorsHeader.metadataKey)\":{"
            for (i, (key, value)) in metadata.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { json += "," }
                appendJSONString(key, to: &json)
                json += ":"
                appendJSONString(value, to: &json)
            }
            json += "}"
            if !entries.isEmpty { json += "," }
        }
        for (i, e) in entries.enumerated() {
            if i > 0 { json += "," }
            appendJSONString(e.name, to: &json)
            json += ":{\"dtype\":\"\(e.dtype)\",\"shape\":["
            json += e.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(e.begin),\(e.end)]}"
        }
        json += "}"
        var bytes = Array(json.utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    /// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped.
    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        if !s.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 }) {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// An IEEE half-precision bit pattern widened to `Float` (exact: every half is a float).
@inline(__always)
func floatFromHalf(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    switch exponent {
    case 0x1F:  // infinity or NaN; the NaN payload is kept
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    case 0:  // zero or subnormal: mantissa × 2⁻²⁴
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    default:  // rebias the exponent from 15 to 127
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

// MARK: Byte sources

/// Where a file image's bytes come from: memory (`decode`) or an open file (`load`), so that
/// a load reads each tensor's bytes once, from the file straight into its storage.
protocol SafetensorsBytes {
    /// The image's length in bytes.
    var byteCount: Int { get }
    /// Copies the `count` bytes at `offset` to `destination`; the range lies within `byteCount`.
    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws
}

/// A file image already in memory.
struct MemoryBytes: SafetensorsBytes {
    let raw: UnsafeRawBufferPointer
    var byteCount: Int { raw.count }
    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        if count > 0 { destination.copyMemory(from: raw.baseAddress! + offset, byteCount: count) }
    }
}
