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
/// shape and byte range, then the tensors' bytes, row-major and little-endian.
///
/// | safetensors | LayerKit |
/// |---|---|
/// | `F32`, `F64` | `.float32`, `.float64` (both ways) |
/// | `I64`, `I32`, `U8`, `BOOL` | `.int64`, `.int32`, `.uint8`, `.bool` (both ways) |
/// | `F16`, `BF16` | read as `.float32` |
/// | `C64` (`torch.cfloat`) | read as `.float32` with a trailing axis of 2 (real, imaginary), like `torch.view_as_real`; written from such a tensor when its name is in `complex:` |
/// | `C128` | the same in float64 (LayerKit's own files: Python's `safetensors` has no complex128) |
///
/// Other dtypes (`I8`, `I16`, `U16`, `U32`, `U64`, FP8, FP4) throw
/// ``SafetensorsError/unsupportedDType(tensor:dtype:)`` naming the tensor; pass
/// `skipUnsupported: true` to get the rest of the file instead.
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
    ///
    /// `complex` names float tensors with a trailing axis of 2 to store as complex numbers
    /// (`C64` from float32, `C128` from float64), PyTorch's `cfloat` weights:
    ///
    ///     try Safetensors.save([("weights", w)], to: url, complex: ["weights"])   // w: [in, out, modes, 2]
    public static func save(
        _ tensors: [(String, Tensor)], to url: URL, metadata: [String: String]? = nil, complex: Set<String> = []
    ) throws {
        let prefix = try headerPrefix(tensors, metadata: metadata, complex: complex)
        #if _endian(little)
        // The tensors' bytes go from their storages straight to the file: no staging copy of
        // the whole checkpoint (which doubled the memory a large save needed).
        try prefix.withUnsafeBytes { head in
            try withExtendedLifetime(tensors) {
                try writeAtomically(to: url, [head] + tensors.map {
                    UnsafeRawBufferPointer(start: $0.1.storage.readRaw, count: $0.1.count * $0.1.dtype.byteSize)
                })
            }
        }
        #else
        let image = packedLittleEndian(prefix: prefix, tensors.map(\.1))
        try image.withUnsafeBytes { try writeAtomically(to: url, [$0]) }
        #endif
    }

    /// Writes a dictionary of tensors to `url`, sorted by name (as Python's `save_file` does
    /// for one dtype), atomically.
    ///
    ///     try Safetensors.save(["weight": w, "bias": b], to: url)   // bias first, then weight
    public static func save(_ tensors: [String: Tensor], to url: URL, metadata: [String: String]? = nil) throws {
        try save(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url, metadata: metadata)
    }

    /// The tensors stored in the file at `url`, ordered by their position in the file.
    ///
    /// Several empty tensors at one offset (which the format cannot order) come back by name.
    ///
    ///     for (name, tensor) in try Safetensors.load(from: url) { print(name, tensor.shape) }
    ///
    /// - Throws: ``SafetensorsError`` naming what is wrong with the file.
    ///
    /// With `skipUnsupported`, tensors of a dtype LayerKit does not hold (`I16`, `F8_E4M3` …)
    /// are left out instead of failing the whole load; everything else still throws.
    public static func load(from url: URL, skipUnsupported: Bool = false) throws -> [(String, Tensor)] {
        try loadWithMetadata(from: url, skipUnsupported: skipUnsupported).tensors
    }

    /// The tensors stored in the file at `url`, ordered by position, and its `__metadata__`
    /// (`nil` when the file has none).
    ///
    ///     let (tensors, metadata) = try Safetensors.loadWithMetadata(from: url)
    ///     print(metadata?["format"] ?? "-")   // "pt" for files written by safetensors.torch
    public static func loadWithMetadata(
        from url: URL, skipUnsupported: Bool = false
    ) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        let file = try OpenFile(reading: url)
        defer { file.close() }
        return try decode(file, skipUnsupported: skipUnsupported)
    }

    // MARK: In memory

    /// The safetensors file image of `tensors`, in the given order (what `save` writes).
    ///
    ///     let bytes = try Safetensors.encode([("x", x)])
    ///
    /// - Throws: ``SafetensorsError/duplicateName(_:)`` when a name repeats,
    ///   ``SafetensorsError/reservedName(_:)`` for a tensor called `__metadata__`,
    ///   ``SafetensorsError/notComplex(tensor:shape:dtype:)`` for a `complex` name whose tensor is
    ///   not floating-point with a trailing axis of 2.
    public static func encode(
        _ tensors: [(String, Tensor)], metadata: [String: String]? = nil, complex: Set<String> = []
    ) throws -> Data {
        packedLittleEndian(prefix: try headerPrefix(tensors, metadata: metadata, complex: complex), tensors.map(\.1))
    }

    /// The 8-byte header length and the JSON header of a file holding `tensors` in this order.
    static func headerPrefix(
        _ tensors: [(String, Tensor)], metadata: [String: String]?, complex: Set<String>
    ) throws -> [UInt8] {
        var seen = Set<String>(minimumCapacity: tensors.count)
        var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        entries.reserveCapacity(tensors.count)
        var offset = 0
        for (name, tensor) in tensors {
            if name == SafetensorsHeader.metadataKey { throw SafetensorsError.reservedName(name) }
            if !seen.insert(name).inserted { throw SafetensorsError.duplicateName(name) }
            var shape = tensor.shape
            let isComplex = complex.contains(name)
            if isComplex {
                guard tensor.dtype.isFloatingPoint, shape.last == 2 else {
                    throw SafetensorsError.notComplex(tensor: name, shape: shape, dtype: tensor.dtype.rawValue)
                }
                shape.removeLast()
            }
            let byteCount = tensor.count * tensor.dtype.byteSize
            let dtype = SafetensorsDType.of(tensor.dtype, complex: isComplex)
            entries.append((name, dtype.rawValue, shape, offset, offset + byteCount))
            offset += byteCount
        }
        let header = headerBytes(entries, metadata: metadata)
        var prefix = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.replaceSubrange(0..<8, with: $0) }
        prefix.append(contentsOf: header)
        return prefix
    }

    /// The safetensors file image of a dictionary of tensors, sorted by name.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String]? = nil) throws -> Data {
        try encode(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata)
    }

    /// The tensors in a safetensors file image, ordered by position (what ``load(from:skipUnsupported:)`` reads).
    ///
    ///     let tensors = try Safetensors.decode(try Data(contentsOf: url))
    ///
    /// - Throws: ``SafetensorsError`` for any malformed input; never crashes.
    public static func decode(_ data: Data, skipUnsupported: Bool = false) throws -> [(String, Tensor)] {
        try decodeWithMetadata(data, skipUnsupported: skipUnsupported).tensors
    }

    /// The tensors in a safetensors file image, ordered by position, and its `__metadata__`.
    public static func decodeWithMetadata(
        _ data: Data, skipUnsupported: Bool = false
    ) throws -> (tensors: [(String, Tensor)], metadata: [String: String]?) {
        try data.withUnsafeBytes { try decodeImage($0, skipUnsupported: skipUnsupported) }
    }

    // MARK: Atomic write

    /// Writes `parts`, one after the other, to a temporary file next to `url`, then renames it
    /// over `url`.
    ///
    /// `rename(2)` is the atomic step: readers see the old file or the new one, never a mix.
    /// `FileManager.moveItem` refuses to overwrite, and `replaceItemAt` swaps the two files on
    /// Linux (leaving the old one at the temporary path), so the rename is done directly.
    ///
    /// Durability: the temporary file is `fsync`ed before the rename (so a crash cannot leave
    /// a zero-length or partial file under the final name), and the directory is `fsync`ed
    /// before (so the temporary file's entry exists) and after the rename (so the new name
    /// survives a crash). A directory that cannot be opened or synced (some file systems) is
    /// skipped: the rename is still atomic for every reader.
    static func writeAtomically(to url: URL, _ parts: [UnsafeRawBufferPointer]) throws {
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
        writing: for raw in parts where raw.count > 0 {
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n > 0 { written += n } else if n < 0 && errno == EINTR { continue } else {
                    failure = n < 0 ? errno : EIO
                    break writing
                }
            }
        }
        if failure == 0 && fsyncRetrying(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        let directory = target.deletingLastPathComponent().path
        if failure == 0 { syncDirectory(directory) }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure == 0 { syncDirectory(directory) }
        if failure != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SafetensorsError.writeFailed(path: path, reason: String(cString: strerror(failure)))
        }
    }

    /// `fsync(fd)`, retried on `EINTR`; 0 on success.
    private static func fsyncRetrying(_ fd: Int32) -> Int32 {
        while true {
            let r = fsync(fd)
            if r == 0 || errno != EINTR { return r }
        }
    }

    /// Flushes a directory's entries to disk where the platform allows it (best effort: some
    /// file systems refuse to open or sync a directory).
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsyncRetrying(fd)
        close(fd)
    }
}

/// A regular file open for reading, read with `pread` at the offsets the header gives, so each
/// tensor's bytes go from the file straight into its storage (no whole-file staging copy).
struct OpenFile: SafetensorsBytes {
    let descriptor: Int32
    let byteCount: Int
    let path: String

    init(reading url: URL) throws {
        guard url.isFileURL else {
            throw SafetensorsError.readFailed(path: url.absoluteString, reason: "not a file URL")
        }
        path = url.path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SafetensorsError.readFailed(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            closeDescriptor(descriptor)
            throw SafetensorsError.readFailed(path: path, reason: reason)
        }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            closeDescriptor(descriptor)
            throw SafetensorsError.readFailed(path: path, reason: "not a regular file")
        }
        byteCount = Int(info.st_size)
    }

    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let n = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                // A file truncated by someone else after it was opened ends early.
                let reason = n == 0
                    ? "the file ended at byte \(offset + done), but it had \(byteCount) bytes when opened"
                    : String(cString: strerror(errno))
                throw SafetensorsError.readFailed(path: path, reason: reason)
            }
        }
    }

    func close() { closeDescriptor(descriptor) }
}

/// `close(2)`, out of the reach of `OpenFile.close()`'s name.
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }

