import Synchronization

/// A contiguous, 64-byte-aligned buffer of `count` elements of one dtype.
///
/// A class so that `reshape`, `detach` and saved-for-backward copies share one buffer
/// without copying, as PyTorch views do. Large buffers come from and go back to
/// ``BufferPool``, so a training loop reuses the same pages instead of paying the kernel's
/// page faults (zeroing every fresh page) on every op.
final class Storage {
    let dtype: DType
    let count: Int
    let raw: UnsafeMutableRawPointer

    /// Uninitialised storage; every caller writes all `count` elements before reading.
    init(dtype: DType, count: Int) {
        self.dtype = dtype
        self.count = count
        raw = BufferPool.allocate(byteCount: BufferPool.sizeClass(max(count, 1) * dtype.byteSize))
    }

    /// Zero-filled storage.
    convenience init(zeros dtype: DType, count: Int) {
        self.init(dtype: dtype, count: count)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
    }

    deinit { BufferPool.release(raw, byteCount: BufferPool.sizeClass(max(count, 1) * dtype.byteSize)) }

    @inline(__always)
    func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }

    @inline(__always)
    func buffer<T: TensorScalar>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: raw.assumingMemoryBound(to: T.self), count: count)
    }

    /// A new storage holding the same values, converted to `dtype` if it differs.
    func copy(as dtype: DType? = nil) -> Storage {
        let target = dtype ?? self.dtype
        let out = Storage(dtype: target, count: count)
        switch (self.dtype, target) {
        case (.float32, .float32), (.float64, .float64):
            out.raw.copyMemory(from: raw, byteCount: count * target.byteSize)
        case (.float32, .float64):
            let s = pointer(Float.self), d = out.pointer(Double.self)
            for i in 0..<count { d[i] = Double(s[i]) }
        case (.float64, .float32):
            let s = pointer(Double.self), d = out.pointer(Float.self)
            for i in 0..<count { d[i] = Float(s[i]) }
        }
        return out
    }
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

    /// Frees every idle buffer.
    static func drain() {
        let all = cache.withLock { box -> [Int] in
            let ps = (box.state.small.flatMap { $0 } + box.state.large.values.flatMap { $0 }).map { Int(bitPattern: $0) }
            box.state = State()
            return ps
        }
        for bits in all { UnsafeMutableRawPointer(bitPattern: bits)?.deallocate() }
    }
}
