import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing tensors in the safetensors format, the files PyTorch's and numpy's
/// `safetensors` packages read and write (`safetensors.torch.save_file`, `load_file`).
///
/// A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the tensors' bytes, row-major and little-endian. LayerKit writes
/// `.float32` tensors as `F32` and `.float64` as `F64`; it reads `F32`, `F64`, and `F16`/`BF16`
/// (widened to `.float32`). Other dtypes (integers, booleans, FP8) throw
/// ``SafetensorsError/unsupportedDType(tensor:dtype:)`` naming the tensor.
///
/// Reading validates everything — header length, UTF-8, JSON, every field's type, shapes,
/// offsets tiling the data block exactly — and throws a ``SafetensorsError`` for any damage;
/// no byte string makes it crash. Writing is atomic: a temporary file in the target's
/// directory, renamed over the target.
///
///     try Safetensors.save([("weight", w), ("bias", b)], to: url, metadata: ["format": "pt"])
///     let tensors = try Safetensors.load(from: url)   // [("weight", w′), ("bias", b′)]
public enum Safetensors {
    /// The largest header accepted, as in the reference implementation (a guard against
    /// files that would make the JSON parser allocate without bound).
    public static let maxHeaderByteCount = 100_000_000

    // MARK: Files

    /// Writes `tensors` to `url` in the given order, atomically.
    ///
    /// The data block holds the tensors in the order given (offsets increase along the list),
    /// and the header lists them in that order after `__metadata__`. Nothing half-written is
    /// ever visible at `url`: the bytes go to a temporary file in the same directory, which is
    /// then renamed over `url`; on any error the temporary file is removed and an existing
    /// file at `url` is left as it was.
    ///
    ///     try Safetensors.save([("0.weight", w), ("0.bias", b)], to: url)
    ///
    /// - Throws: ``SafetensorsError/duplicateName(_:)`` or ``SafetensorsError/reservedName(_:)``
    ///   for bad names, ``SafetensorsError/writeFailed(path:reason:)`` when the file cannot be written.
    public static func save(_ tensors: [(String, Tensor)], to url: URL, metadata: [String: String]? = nil) throws {
        try writeAtomically(try encode(tensors, metadata: metadata), to: url)
    }

    /// Writes a dictionary of tensors to `url`, sorted by name (as Python's `save_file` does
    /// for one dtype), atomically.
    ///
    ///     try Safetensors.save(["weight": w, "bias": b], to: url)   // bias first, then weight
    public static func save(_ tensors: [String: Tensor], to url: URL, metadata: [String: String]? = nil) throws {
        try writeAtomically(try encode(tensors, metadata: metadata), to: url)
    }

    /// The tensors stored in the file at `url`, ordered by their position in the file.
    ///
    /// Several empty tensors at one offset (which the format cannot order) come back by name.
    ///
    ///     for (name, tensor) in try Safetensors.load(from: url) { print(name, tensor.shape) }
    ///
    /// - Throws: ``SafetensorsError`` naming what is wrong with the file.
    public static func load(from url: URL) throws -> [(String, Tensor)] {
        try loadWithMetadata(from: url).tensors
    }

    /// The tensors stored in the file at `url`, ordered by position, and its `__metadata__`
    /// (`nil` when the file has none).
    ///
    ///     let (tensors, metadata) = try Safetensors.loadWithMetadata(from: url)
    ///     print(metadata?["format"] ?? "-")   // "pt" for files written by safetensors.torch
    public static func loadWithMetadata(from url: URL) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafetensorsError.readFailed(path: url.path, reason: error.localizedDescription)
        }
        return try decodeWithMetadata(data)
    }

    // MARK: In memory

    /// The safetensors file image of `tensors`, in the given order (what `save` writes).
    ///
    ///     let bytes = try Safetensors.encode([("x", x)])
    ///
    /// - Throws: ``SafetensorsError/duplicateName(_:)`` when a name repeats,
    ///   ``SafetensorsError/reservedName(_:)`` for a tensor called `__metadata__`.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String]? = nil) throws -> Data {
        var seen = Set<String>(minimumCapacity: tensors.count)
        var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        entries.reserveCapacity(tensors.count)
        var offset = 0
        for (name, tensor) in tensors {
            if name == SafetensorsHeader.metadataKey { throw SafetensorsError.reservedName(name) }
            if !seen.insert(name).inserted { throw SafetensorsError.duplicateName(name) }
            let byteCount = tensor.count * tensor.dtype.byteSize
            entries.append((name, SafetensorsDType.name(of: tensor.dtype), tensor.shape, offset, offset + byteCount))
            offset += byteCount
        }
        let header = headerBytes(entries, metadata: metadata)
        let total = 8 + header.count + offset
        // One uninitialised allocation, filled by memcpy and handed to Data without a copy.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 16)
        buffer.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
        header.withUnsafeBytes { buffer.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var position = 8 + header.count
        for (_, tensor) in tensors {
            copyLittleEndian(
                from: tensor.storage.raw, to: buffer + position, count: tensor.count, elementSize: tensor.dtype.byteSize)
            position += tensor.count * tensor.dtype.byteSize
        }
        return Data(bytesNoCopy: buffer, count: total, deallocator: .custom { pointer, _ in pointer.deallocate() })
    }

    /// The safetensors file image of a dictionary of tensors, sorted by name.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String]? = nil) throws -> Data {
        try encode(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata)
    }

    /// The tensors in a safetensors file image, ordered by position (what ``load(from:)`` reads).
    ///
    ///     let tensors = try Safetensors.decode(try Data(contentsOf: url))
    ///
    /// - Throws: ``SafetensorsError`` for any malformed input; never crashes.
    public static func decode(_ data: Data) throws -> [(String, Tensor)] {
        try decodeWithMetadata(data).tensors
    }

    /// The tensors in a safetensors file image, ordered by position, and its `__metadata__`.
    public static func decodeWithMetadata(_ data: Data) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        try data.withUnsafeBytes { try decodeImage($0) }
    }

    // MARK: Atomic write

    /// Writes `data` to a temporary file next to `url`, then renames it over `url`.
    ///
    /// `rename(2)` is the atomic step: readers see the old file or the new one, never a mix.
    /// `FileManager.moveItem` refuses to overwrite, and `replaceItemAt` swaps the two files on
    /// Linux (leaving the old one at the temporary path), so the rename is done directly. The
    /// temporary file is written with `open`/`write` rather than `Data.write`, which fsyncs and
    /// makes a save ~6× slower; like Python's `save_file`, this does not fsync, so the new file
    /// is atomic for every reader but not guaranteed durable across a power loss.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        guard url.isFileURL else {
            throw SafetensorsError.writeFailed(path: url.absoluteString, reason: "not a file URL")
        }
        let target = url.standardizedFileURL
        let path = target.path
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp").path
        // O_EXCL: never write into a file someone else created under the same name.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw SafetensorsError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n > 0 { written += n } else if n < 0 && errno == EINTR { continue } else {
                    failure = n < 0 ? errno : EIO
                    return
                }
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SafetensorsError.writeFailed(path: path, reason: String(cString: strerror(failure)))
        }
    }
}
