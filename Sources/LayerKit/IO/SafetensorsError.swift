import Foundation

/// Why a safetensors file (or byte string) could not be read or written.
///
/// Every kind of damage ``Safetensors`` detects has its own case, and each case prints a
/// message that names the tensor and the numbers involved, so a broken checkpoint can be
/// diagnosed from the message alone:
///
///     do { _ = try Safetensors.load(from: url) }
///     catch let error as SafetensorsError { print(error) }
///     // tensor "0.weight": 24 bytes between data_offsets [0, 24] but shape [2, 4] of F32 needs 32
public enum SafetensorsError: Error, CustomStringConvertible, LocalizedError, Hashable, Sendable {
    // MARK: The frame: length prefix and header

    /// Fewer than the 8 bytes of the header-length prefix.
    case fileTooShort(byteCount: Int)
    /// The header length is above the format's 100 MB limit (a guard against hostile files).
    case headerTooLarge(byteCount: UInt64)
    /// The header length points past the end of the file.
    case headerBeyondFile(headerByteCount: UInt64, fileByteCount: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8
    /// The header is not valid JSON; `detail` is the JSON parser's explanation.
    case headerNotJSON(detail: String)
    /// The header is valid JSON but not a JSON object.
    case headerNotObject
    /// A key appears twice in the header with different values (the format forbids duplicates).
    case duplicateKey(String)

    // MARK: One tensor's entry

    /// A tensor's entry is not a JSON object.
    case entryNotObject(tensor: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(tensor: String, field: String)
    /// A field has the wrong JSON type (`expected` says what it should be).
    case wrongFieldType(tensor: String, field: String, expected: String)
    /// The dtype is not one the safetensors format defines.
    case unknownDType(tensor: String, dtype: String)
    /// The dtype is valid safetensors but LayerKit cannot hold it (I8, I16, U16, U32, U64, FP8, FP4).
    case unsupportedDType(tensor: String, dtype: String)
    /// A tensor named in `complex:` is not a float tensor with a trailing axis of 2.
    case notComplex(tensor: String, shape: [Int], dtype: String)
    /// The shape has a negative dimension.
    case negativeDimension(tensor: String, shape: [Int])
    /// The shape's element or byte count does not fit in a 64-bit integer.
    case shapeOverflow(tensor: String)
    /// `data_offsets` is not two non-negative integers with begin ≤ end.
    case invalidOffsets(tensor: String, reason: String)
    /// `data_offsets` points past the end of the data block.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataByteCount: Int)
    /// Two tensors claim the same bytes.
    case overlappingOffsets(tensor: String, previous: String, begin: Int, previousEnd: Int)
    /// Bytes between two tensors (or before the first) belong to no tensor.
    case gapInData(tensor: String, expectedBegin: Int, begin: Int)
    /// The byte range does not hold exactly shape × dtype-size bytes.
    case byteCountMismatch(tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    /// The data block continues after the last tensor (the format requires it fully indexed).
    case trailingBytes(dataByteCount: Int, indexedByteCount: Int)

    // MARK: Metadata

    /// `__metadata__` is not a JSON object (or null).
    case metadataNotObject
    /// A `__metadata__` value is not a string (the format allows string → string only).
    case metadataValueNotString(key: String)

    // MARK: Writing

    /// The same tensor name was given twice.
    case duplicateName(String)
    /// A tensor may not be called `__metadata__`: that key holds the file's metadata.
    case reservedName(String)

    // MARK: Files

    /// The file could not be read (missing, unreadable …).
    case readFailed(path: String, reason: String)
    /// The file could not be written; any existing file at `path` is untouched.
    case writeFailed(path: String, reason: String)

    /// The message, naming the tensor and the numbers involved.
    public var description: String {
        switch self {
        case .fileTooShort(let n):
            return "safetensors data is \(n) bytes long; it needs at least the 8-byte header length"
        case .headerTooLarge(let n):
            return "safetensors header length \(n) is above the 100,000,000-byte limit"
        case .headerBeyondFile(let n, let file):
            return "safetensors header length \(n) points past the end of the \(file)-byte file"
        case .headerNotUTF8:
            return "safetensors header is not valid UTF-8"
        case .headerNotJSON(let detail):
            return "safetensors header is not valid JSON: \(detail)"
        case .headerNotObject:
            return "safetensors header is JSON but not an object ({\"name\": {...}, ...})"
        case .duplicateKey(let key):
            return "safetensors header has the key \(quoted(key)) twice with different values"
        case .entryNotObject(let t):
            return "tensor \(quoted(t)): entry is not a JSON object"
        case .missingField(let t, let field):
            return "tensor \(quoted(t)): entry has no \(quoted(field)) field"
        case .wrongFieldType(let t, let field, let expected):
            return "tensor \(quoted(t)): \(quoted(field)) must be \(expected)"
        case .unknownDType(let t, let dtype):
            return "tensor \(quoted(t)): unknown dtype \(quoted(dtype))"
        case .unsupportedDType(let t, let dtype):
            return "tensor \(quoted(t)): unsupported dtype \(dtype) (LayerKit reads F32, F64, I64, I32, U8, BOOL, F16/BF16 as float32, C64/C128 as float pairs; load with skipUnsupported: true to get the other tensors)"
        case .notComplex(let t, let shape, let dtype):
            return "tensor \(quoted(t)): cannot be saved as complex: expected a float32 or float64 tensor with a trailing axis of 2 (real, imaginary), got \(dtype) of shape \(shape)"
        case .negativeDimension(let t, let shape):
            return "tensor \(quoted(t)): shape \(shape) has a negative dimension"
        case .shapeOverflow(let t):
            return "tensor \(quoted(t)): shape's size overflows a 64-bit integer"
        case .invalidOffsets(let t, let reason):
            return "tensor \(quoted(t)): invalid data_offsets: \(reason)"
        case .offsetsOutOfRange(let t, let begin, let end, let count):
            return "tensor \(quoted(t)): data_offsets [\(begin), \(end)] point past the end of the \(count)-byte data block"
        case .overlappingOffsets(let t, let previous, let begin, let previousEnd):
            return "tensor \(quoted(t)): data starting at \(begin) overlaps tensor \(quoted(previous)), which ends at \(previousEnd)"
        case .gapInData(let t, let expected, let begin):
            return "tensor \(quoted(t)): data starts at \(begin) but the previous tensor ends at \(expected); bytes \(expected)..<\(begin) belong to no tensor"
        case .byteCountMismatch(let t, let dtype, let shape, let expected, let actual):
            return "tensor \(quoted(t)): \(actual) bytes in its data_offsets but shape \(shape) of \(dtype) needs \(expected)"
        case .trailingBytes(let count, let indexed):
            return "safetensors data block is \(count) bytes but the tensors cover only \(indexed); the rest belongs to no tensor"
        case .metadataNotObject:
            return "safetensors __metadata__ is not a JSON object of strings"
        case .metadataValueNotString(let key):
            return "safetensors __metadata__ value for \(quoted(key)) is not a string"
        case .duplicateName(let name):
            return "tensor name \(quoted(name)) is given twice"
        case .reservedName(let name):
            return "tensor name \(quoted(name)) is reserved for the file's metadata"
        case .readFailed(let path, let reason):
            return "cannot read safetensors file \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write safetensors file \(path): \(reason)"
        }
    }

    /// The same message as ``description``, so `error.localizedDescription` reads well too.
    public var errorDescription: String? { description }
}

/// A name in double quotes, so empty names and names with spaces stay visible in messages.
private func quoted(_ s: String) -> String { "\"\(s)\"" }
