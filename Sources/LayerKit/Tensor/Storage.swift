/// A contiguous, 64-byte-aligned buffer of `count` elements of one dtype.
///
/// A class so that `reshape`, `detach` and saved-for-backward copies share one buffer
/// without copying, as PyTorch views do.
final class Storage {
    let dtype: DType
    let count: Int
    let raw: UnsafeMutableRawPointer

    /// Uninitialised storage; every caller writes all `count` elements before reading.
    init(dtype: DType, count: Int) {
        self.dtype = dtype
        self.count = count
        raw = .allocate(byteCount: max(count, 1) * dtype.byteSize, alignment: 64)
    }

    /// Zero-filled storage.
    convenience init(zeros dtype: DType, count: Int) {
        self.init(dtype: dtype, count: count)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
    }

    deinit { raw.deallocate() }

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
