import Foundation
import Synchronization

/// A contiguous, 64-byte-aligned buffer of `count` elements of one dtype.
///
/// A class so that `reshape`, `detach` and saved-for-backward copies share one buffer
/// without copying, as PyTorch views do. Large buffers come from and go back to
/// ``BufferPool``, so a training loop reuses the same pages instead of paying the kernel's
/// page faults (zeroing every fresh page) on every op.
///
/// Writes are tracked, so that a value derived from the contents (the folded weight of
/// ``Tensor/quadraticForm(_:)``) can be kept with the buffer and reused until the contents
/// change (see ``derived(_:make:)``). The buffer is reachable only through two doors:
/// - ``raw``, ``pointer(_:)``, ``buffer(_:)`` and the mutating methods (`set`, ``assign(from:)``,
///   ``zero()``, ``tile(from:)``) are the *write* door: each access counts as a write, so any
///   derived value is dropped, whether the caller then writes or only reads;
/// - ``readRaw`` and ``readPointer(_:)`` give immutable pointers and leave derived values alone.
///
/// No writer can bypass the count: the base address itself is private. The one rule for
/// callers is that a mutable pointer is used within the op that asked for it (every kernel
/// does), not kept and written through after another op has read the buffer.
final class Storage {
    let dtype: DType
    let count: Int
    /// The buffer. Private: reads go through ``readRaw``/``readPointer(_:)``, writes through
    /// ``raw`` and the accessors built on it, which note the write.
    private let base: UnsafeMutableRawPointer
    /// Bumped by every write access once a derived value has been asked for (``watched``).
    private let version = Atomic<UInt64>(0)
    /// Whether ``derived(_:make:)`` was ever called: until then a write access costs one
    /// relaxed load. Never reset, so that no write after a derivation can go unnoticed.
    private let watched = Atomic<Bool>(false)
    /// The derived values kept: what each is, the version it was computed from, the value.
    private let slot = Mutex(DerivedValues())

    /// Uninitialised storage; every caller writes all `count` elements before reading.
    init(dtype: DType, count: Int) {
        self.dtype = dtype
        self.count = count
        base = BufferPool.allocate(byteCount: BufferPool.sizeClass(max(count, 1) * dtype.byteSize))
    }

    /// Zero-filled storage.
    convenience init(zeros dtype: DType, count: Int) {
        self.init(dtype: dtype, count: count)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
    }

    deinit { BufferPool.release(base, byteCount: BufferPool.sizeClass(max(count, 1) * dtype.byteSize)) }

    /// The buffer, for writing (or for an API that wants a mutable pointer): the access
    /// counts as a write and drops any derived value.
    var raw: UnsafeMutableRawPointer {
        @inline(__always) get {
            noteWrite()
            return base
        }
    }

    /// The buffer, read-only: the access leaves derived values in place.
    var readRaw: UnsafeRawPointer {
        @inline(__always) get { UnsafeRawPointer(base) }
    }

    /// The buffer as elements of `T` (a float type, or the integer type the dtype stores:
    /// `Int64`, `Int32`, `UInt8` for `.uint8` and `.bool`), for writing: see ``raw``.
    @inline(__always)
    func pointer<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }

    /// The buffer as elements of `T`, read-only: see ``readRaw``.
    @inline(__always)
    func readPointer<T>(_: T.Type) -> UnsafePointer<T> {
        UnsafePointer(base.assumingMemoryBound(to: T.self))
    }

    /// The buffer as a mutable buffer of `T`, for writing: see ``raw``.
    @inline(__always)
    func buffer<T>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: pointer(T.self), count: count)
    }

    /// Records a write access: once a derived value has been asked for, bumps the version and
    /// drops the value. Otherwise one relaxed load.
    @inline(__always)
    private func noteWrite() {
        if watched.load(ordering: .relaxed) { invalidateDerived() }
    }

    @inline(never)
    private func invalidateDerived() {
        version.wrappingAdd(1, ordering: .sequentiallyConsistent)
        slot.withLock { $0.entries.removeAll() }
    }

    /// A value computed from this buffer's contents by `make`, kept with the buffer and
    /// returned again while no write access has happened since (and `key` is the same).
    /// Up to ``DerivedValues/capacity`` values with different keys are kept at once.
    ///
    /// `make` must read this storage through ``readPointer(_:)``/``readRaw`` only (a write
    /// access from it would count as a change, and the value would never be reused), and must
    /// return a storage nobody writes afterwards. A write racing with `make` on another thread
    /// leaves the version moved, so the value is recomputed at the next call.
    func derived(_ key: DerivedKey, make: (Storage) -> Storage) -> Storage {
        watched.store(true, ordering: .sequentiallyConsistent)
        let now = version.load(ordering: .sequentiallyConsistent)
        let hit = slot.withLock { s -> UncheckedSendableBox<Storage>? in
            s.entries.first { $0.key == key && $0.version == now }.map { UncheckedSendableBox($0.value) }
        }
        if let hit { return hit.value }
        let fresh = DerivedValues.Entry(key: key, version: now, value: make(self))
        let box = UncheckedSendableBox(fresh)
        slot.withLock { s in
            // Stale values and an older value for the same key go; a value racing with a write
            // is stored with the version before it, so it is never returned.
            s.entries.removeAll { $0.key == box.value.key || $0.version < box.value.version }
            if s.entries.count >= DerivedValues.capacity { s.entries.removeFirst() }
            s.entries.append(box.value)
        }
        return fresh.value
    }

    /// Whether a derived value computed for `key` is held for the current contents (for tests).
    func hasDerived(_ key: DerivedKey) -> Bool {
        let now = version.load(ordering: .sequentiallyConsistent)
        return slot.withLock { s in s.entries.contains { $0.key == key && $0.version == now } }
    }

    /// Element `i` as a `Double` (int64 values beyond 2⁵³ round).
    @inline(__always)
    func double(at i: Int) -> Double {
        switch dtype {
        case .float32: return Double(readPointer(Float.self)[i])
        case .float64: return readPointer(Double.self)[i]
        case .int64: return Double(readPointer(Int64.self)[i])
        case .int32: return Double(readPointer(Int32.self)[i])
        case .uint8, .bool: return Double(readPointer(UInt8.self)[i])
        }
    }

    /// Element `i` as an `Int64`: floats truncate toward zero, as PyTorch's conversion does
    /// (NaN and values out of range give `Int64.min`, what x86 hardware gives).
    @inline(__always)
    func int64(at i: Int) -> Int64 {
        switch dtype {
        case .float32: return truncatedInt64(Double(readPointer(Float.self)[i]))
        case .float64: return truncatedInt64(readPointer(Double.self)[i])
        case .int64: return readPointer(Int64.self)[i]
        case .int32: return Int64(readPointer(Int32.self)[i])
        case .uint8, .bool: return Int64(readPointer(UInt8.self)[i])
        }
    }

    /// Whether element `i` is non-zero (a `.bool` element's value).
    @inline(__always)
    func isNonZero(at i: Int) -> Bool {
        switch dtype {
        case .float32: return readPointer(Float.self)[i] != 0
        case .float64: return readPointer(Double.self)[i] != 0
        case .int64: return readPointer(Int64.self)[i] != 0
        case .int32: return readPointer(Int32.self)[i] != 0
        case .uint8, .bool: return readPointer(UInt8.self)[i] != 0
        }
    }

    /// Stores `value` at `i`, converted to this storage's dtype.
    @inline(__always)
    func set(_ i: Int, double value: Double) {
        switch dtype {
        case .float32: pointer(Float.self)[i] = Float(value)
        case .float64: pointer(Double.self)[i] = value
        case .bool: pointer(UInt8.self)[i] = value != 0 ? 1 : 0
        case .int64, .int32, .uint8: set(i, int64: truncatedInt64(value))
        }
    }

    /// Stores `value` at `i`, converted to this storage's dtype (integers wrap, as in PyTorch).
    @inline(__always)
    func set(_ i: Int, int64 value: Int64) {
        switch dtype {
        case .float32: pointer(Float.self)[i] = Float(value)
        case .float64: pointer(Double.self)[i] = Double(value)
        case .int64: pointer(Int64.self)[i] = value
        case .int32: pointer(Int32.self)[i] = Int32(truncatingIfNeeded: value)
        case .uint8: pointer(UInt8.self)[i] = UInt8(truncatingIfNeeded: value)
        case .bool: pointer(UInt8.self)[i] = value != 0 ? 1 : 0
        }
    }

    /// Storage holding `values` converted to `dtype`.
    convenience init(_ values: [Double], dtype: DType) {
        self.init(dtype: dtype, count: values.count)
        if dtype == .float64 {
            values.withUnsafeBufferPointer { pointer(Double.self).update(from: $0.baseAddress!, count: values.count) }
        } else {
            for i in values.indices { set(i, double: values[i]) }
        }
    }

    /// The values as `Float`.
    func floats() -> [Float] {
        dtype == .float32 ? Array(UnsafeBufferPointer(start: readPointer(Float.self), count: count)) : (0..<count).map { Float(double(at: $0)) }
    }

    /// The values as `Double`.
    func doubles() -> [Double] {
        dtype == .float64 ? Array(UnsafeBufferPointer(start: readPointer(Double.self), count: count)) : (0..<count).map(double(at:))
    }

    /// Overwrites every element with `source`'s (same dtype and count).
    func assign(from source: Storage) {
        precondition(source.dtype == dtype && source.count == count, "Storage.assign between different layouts")
        raw.copyMemory(from: source.readRaw, byteCount: count * dtype.byteSize)
    }

    /// Sets every byte to zero (0, +0.0 and false in every dtype).
    func zero() {
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
    }

    /// Fills this storage with copies of `row` (same dtype; `count` a multiple of its count):
    /// copy it once, then double the filled prefix until the buffer is full.
    func tile(from row: Storage) {
        let rowBytes = row.count * dtype.byteSize, total = count * dtype.byteSize
        guard total > 0 else { return }
        let raw = raw
        raw.copyMemory(from: row.readRaw, byteCount: rowBytes)
        var filled = rowBytes
        while filled < total {
            let step = Swift.min(filled, total - filled)
            (raw + filled).copyMemory(from: raw, byteCount: step)
            filled += step
        }
    }

    /// A new storage holding the same values, converted to `dtype` if it differs.
    func copy(as dtype: DType? = nil) -> Storage {
        let target = dtype ?? self.dtype
        let out = Storage(dtype: target, count: count)
        switch (self.dtype, target) {
        case _ where self.dtype == target:
            out.raw.copyMemory(from: readRaw, byteCount: count * target.byteSize)
        case (.float32, .float64):
            let s = readPointer(Float.self), d = out.pointer(Double.self)
            for i in 0..<count { d[i] = Double(s[i]) }
        case (.float64, .float32):
            let s = readPointer(Double.self), d = out.pointer(Float.self)
            for i in 0..<count { d[i] = Float(s[i]) }
        case (.bool, .float32), (.uint8, .float32):
            let s = readPointer(UInt8.self), d = out.pointer(Float.self)
            for i in 0..<count { d[i] = Float(s[i]) }
        case (_, .bool):
            let d = out.pointer(UInt8.self)
            for i in 0..<count { d[i] = isNonZero(at: i) ? 1 : 0 }
        case (.float32, _), (.float64, _):
            for i in 0..<count { out.set(i, double: double(at: i)) }
        case (.int64, _), (.int32, _), (.uint8, _), (.bool, _):
            for i in 0..<count { out.set(i, int64: int64(at: i)) }
        }
        return out
    }
}

/// What a value derived from a ``Storage`` was computed as: the op's name and the shape it read
/// the buffer with (one buffer can be viewed with several shapes).
struct DerivedKey: Equatable, Sendable {
    let op: String
    let dims: [Int]
    init(_ op: String, _ dims: [Int]) {
        self.op = op
        self.dims = dims
    }
}

/// The derived values a ``Storage`` keeps. A value is only handed out under the storage's
/// lock and never written after it is stored, so sharing it between threads is safe.
struct DerivedValues: @unchecked Sendable {
    /// The most values kept for one buffer.
    static let capacity = 4

    struct Entry {
        let key: DerivedKey
        let version: UInt64
        let value: Storage
    }

    var entries: [Entry] = []
}

extension Tensor {
    /// A tensor of `count` elements of `dtype` read from little-endian bytes (a file's data).
    static func fromLittleEndian(_ bytes: UnsafeRawPointer, count: Int, shape: [Int], dtype: DType) -> Tensor {
        let storage = Storage(dtype: dtype, count: count)
        copyLittleEndian(from: bytes, to: storage.raw, count: count, elementSize: dtype.byteSize)
        return Tensor(storage: storage, shape: shape)
    }

    /// A tensor of `count` elements of `dtype` whose little-endian bytes `fill` writes straight
    /// into its storage (`count × byteSize` bytes): a file's data read without a staging copy.
    static func fromLittleEndian(
        count: Int, shape: [Int], dtype: DType, fill: (UnsafeMutableRawPointer) throws -> Void
    ) rethrows -> Tensor {
        let storage = Storage(dtype: dtype, count: count)
        try fill(storage.raw)
        #if !_endian(little)
        let size = dtype.byteSize
        for i in 0..<count {
            let element = storage.raw + i * size
            for j in 0..<size / 2 {
                let (a, b) = (element.load(fromByteOffset: j, as: UInt8.self), element.load(fromByteOffset: size - 1 - j, as: UInt8.self))
                element.storeBytes(of: b, toByteOffset: j, as: UInt8.self)
                element.storeBytes(of: a, toByteOffset: size - 1 - j, as: UInt8.self)
            }
        }
        #endif
        return Tensor(storage: storage, shape: shape)
    }

    /// Writes the elements, row-major and little-endian, to `destination` (`count × byteSize` bytes).
    func writeLittleEndian(to destination: UnsafeMutableRawPointer) {
        copyLittleEndian(from: storage.readRaw, to: destination, count: count, elementSize: dtype.byteSize)
    }
}

/// `prefix` followed by each tensor's elements, little-endian, as one `Data`: one
/// uninitialised allocation filled by `memcpy` and handed to `Data` without a copy.
func packedLittleEndian(prefix: [UInt8], _ tensors: [Tensor]) -> Data {
    let total = prefix.count + tensors.reduce(0) { $0 + $1.count * $1.dtype.byteSize }
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(total, 1), alignment: 16)
    prefix.withUnsafeBytes { if $0.count > 0 { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    var position = prefix.count
    for tensor in tensors {
        tensor.writeLittleEndian(to: buffer + position)
        position += tensor.count * tensor.dtype.byteSize
    }
    return Data(bytesNoCopy: buffer, count: total, deallocator: .custom { pointer, _ in pointer.deallocate() })
}

/// Copies `count` elements of `elementSize` bytes, converting between host order and
/// little-endian order (a plain `memcpy` on little-endian hosts, i.e. all supported ones).
@inline(__always)
func copyLittleEndian(from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, count: Int, elementSize: Int) {
    #if _endian(little)
    dst.copyMemory(from: src, byteCount: count * elementSize)
    #else
    for i in 0..<count {
        for j in 0..<elementSize {
            dst.storeBytes(of: src.load(fromByteOffset: i * elementSize + elementSize - 1 - j, as: UInt8.self),
                           toByteOffset: i * elementSize + j, as: UInt8.self)
        }
    }
    #endif
}

/// `v` truncated toward zero; NaN and values outside `Int64`'s range give `Int64.min`, as
/// x86's conversion instruction (and so PyTorch on it) does, instead of trapping.
@inline(__always)
func truncatedInt64(_ v: Double) -> Int64 {
    v > -9.223372036854775808e18 && v < 9.223372036854775808e18 ? Int64(v) : .min
}

/// A cache of freed buffers, so that a training loop reuses the same memory every step
/// instead of going back to the allocator (and, for large buffers, to the kernel, whose page
/// faults zero every fresh page) on every op.
///
/// Buffers up to ``smallLimit`` bytes are rounded up to a power of two (at least 64 bytes)
/// and up to ``perSmallSize`` of each are kept; larger ones are kept by exact byte size (the
/// sizes of a training loop repeat every step), up to ``perSize`` of each. The cache never
/// holds more than ``capacityBytes`` idle, so resident memory stays bounded.
enum BufferPool {
    /// Buffers up to this size are rounded to a power of two.
    static let smallLimit = 64 * 1024
    /// The most bytes held idle in the cache.
    static let capacityBytes = 256 * 1024 * 1024
    /// The most idle buffers of one large size.
    static let perSize = 8
    /// The most idle buffers of one small size class.
    static let perSmallSize = 1024

    /// The byte count actually allocated for a request of `byteCount`.
    @inline(__always)
    static func sizeClass(_ byteCount: Int) -> Int {
        if byteCount > smallLimit { return byteCount }
        if byteCount <= 64 { return 64 }
        return 1 << (Int.bitWidth - (byteCount - 1).leadingZeroBitCount)
    }

    struct State {
        /// Idle small buffers by size class: index `k` holds buffers of `64 << k` bytes.
        var small: [[UnsafeMutableRawPointer]] = Array(repeating: [], count: 11)
        /// Idle large buffers by exact byte count.
        var large: [Int: [UnsafeMutableRawPointer]] = [:]
        var bytes = 0
    }

    /// Raw pointers are only handed out under the lock and each to one owner at a time.
    struct Box: @unchecked Sendable { var state = State() }

    static let cache = Mutex(Box())

    /// The small-class index of a `sizeClass` result up to ``smallLimit``.
    @inline(__always)
    static func smallIndex(_ byteCount: Int) -> Int { byteCount.trailingZeroBitCount - 6 }

    /// A buffer of `byteCount` bytes (a ``sizeClass(_:)`` result), 64-byte aligned.
    @inline(__always)
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let hit = cache.withLock { box -> Int in
            let p: UnsafeMutableRawPointer?
            if byteCount <= smallLimit {
                p = box.state.small[smallIndex(byteCount)].popLast()
            } else {
                p = box.state.large[byteCount]?.popLast()
            }
            guard let p else { return 0 }
            box.state.bytes -= byteCount
            return Int(bitPattern: p)
        }
        if let p = UnsafeMutableRawPointer(bitPattern: hit) { return p }
        return .allocate(byteCount: byteCount, alignment: 64)
    }

    /// Returns a buffer from ``allocate(byteCount:)``, keeping it for reuse while there is room.
    @inline(__always)
    static func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        let bits = Int(bitPattern: p)
        let kept = cache.withLock { box -> Bool in
            guard box.state.bytes + byteCount <= capacityBytes else { return false }
            let p = UnsafeMutableRawPointer(bitPattern: bits)!
            if byteCount <= smallLimit {
                let k = smallIndex(byteCount)
                guard box.state.small[k].count < perSmallSize else { return false }
                box.state.small[k].append(p)
            } else {
                guard (box.state.large[byteCount]?.count ?? 0) < perSize else { return false }
                box.state.large[byteCount, default: []].append(p)
            }
            box.state.bytes += byteCount
            return true
        }
        if !kept { p.deallocate() }
    }
}

/// Carries a value out of a lock's closure or into another thread when the code around it
/// guarantees the sharing is safe (a derived value is never written after it is stored).
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
