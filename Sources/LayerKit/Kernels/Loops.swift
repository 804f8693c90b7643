import Synchronization

// The raw loops every element-wise op and reduction runs on: written once, generic over the
// scalar type, specialised per dtype inside the module (Kernels/DTypeDispatch.swift).

/// A scalar function applied element by element.
protocol UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T
    /// The function on integer tensors (computed in `Int64`, result in the input's dtype), or
    /// nil when integer input is promoted to float32 first (as PyTorch's `exp` or `sqrt`).
    var integerForm: ((Int64) -> Int64)? { get }
    /// The same function as a C kernel at the run-time SIMD level, where there is one.
    var simd: UnarySIMD? { get }
}

extension UnaryKernel {
    var integerForm: ((Int64) -> Int64)? { nil }
    var simd: UnarySIMD? { nil }
}

/// A scalar function of two broadcast operands.
protocol BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T
    /// The function on two integer operands (computed in `Int64`, result in the promoted
    /// integer dtype), or nil when integer operands are promoted to float32 (true division).
    var integerForm: ((Int64, Int64) -> Int64)? { get }
    /// The same function as a C kernel at the run-time SIMD level, where there is one.
    var simd: BinarySIMD? { get }
}

extension BinaryKernel {
    var integerForm: ((Int64, Int64) -> Int64)? { nil }
    var simd: BinarySIMD? { nil }
}

/// The row-major strides of a contiguous tensor of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = s
        s &*= shape[d]
    }
    return strides
}

/// Strides that read `shape` as if broadcast to `target` (0 on broadcast axes).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let lead = target.count - shape.count
    var out = [Int](repeating: 0, count: target.count)
    for d in 0..<shape.count where shape[d] != 1 || target[lead + d] == 1 {
        out[lead + d] = shape[d] == 1 ? 0 : own[d]
    }
    return out
}

/// NumPy broadcasting of two shapes, stopping with PyTorch's message when they do not fit.
func broadcastShapes(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    if a == b { return a }
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.count ? 1 : a[i - (r - a.count)]
        let db = i < r - b.count ? 1 : b[i - (r - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
            opError(op, "shapes \(a) and \(b) cannot be broadcast: the size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i)")
        }
    }
    return out
}

/// True when `small`, with leading 1s removed, is a suffix of `big`: a row broadcast.
func isTrailingBroadcast(_ small: [Int], of big: [Int]) -> Bool {
    let trimmed = small.drop(while: { $0 == 1 })
    return trimmed.count <= big.count && big.suffix(trimmed.count).elementsEqual(trimmed)
}

/// Applies `k` to each element of `x` into `out` (same count).
@inline(__always)
func unaryLoop<T: KernelScalar, K: UnaryKernel>(_: T.Type, _ x: Storage, _ out: Storage, _ k: K) {
    let px = x.readPointer(T.self), po = out.pointer(T.self)
    if let op = k.simd, out.count >= KernelStrategy.elementwiseKernelMinimum {
        let level = KernelStrategy.level
        parallelChunks(out.count) { lo, hi in T.unary(op, px + lo, po + lo, hi - lo, level: level) }
        return
    }
    parallelChunks(out.count) { lo, hi in
        for i in lo..<hi { po[i] = k(px[i]) }
    }
}

/// Applies `k` to broadcast operands: fast paths for same shape, a scalar operand and a
/// trailing-row operand, then a general strided walk with a contiguous innermost loop.
@inline(__always)
func binaryLoop<T: KernelScalar, K: BinaryKernel>(
    _: T.Type, _ a: Storage, _ aShape: [Int], _ b: Storage, _ bShape: [Int],
    _ out: Storage, _ outShape: [Int], _ k: K
) {
    let pa = a.readPointer(T.self), pb = b.readPointer(T.self), po = out.pointer(T.self)
    let n = out.count
    if n == 0 { return }
    if n >= KernelStrategy.elementwiseKernelMinimum, let op = k.simd,
       binarySIMDLoop(T.self, pa, a.count, aShape, pb, b.count, bShape, po, outShape, op) { return }
    if a.count == n && b.count == n {
        parallelChunks(n) { lo, hi in
            for i in lo..<hi { po[i] = k(pa[i], pb[i]) }
        }
        return
    }
    if b.count == 1 && a.count == n {
        let s = pb[0]
        parallelChunks(n) { lo, hi in
            for i in lo..<hi { po[i] = k(pa[i], s) }
        }
        return
    }
    if a.count == 1 && b.count == n {
        let s = pa[0]
        parallelChunks(n) { lo, hi in
            for i in lo..<hi { po[i] = k(s, pb[i]) }
        }
        return
    }
    if a.count == n && isTrailingBroadcast(bShape, of: outShape) {
        let m = b.count
        var base = 0
        while base < n {
            let ra = pa + base, ro = po + base
            for j in 0..<m { ro[j] = k(ra[j], pb[j]) }
            base &+= m
        }
        return
    }
    if b.count == n && isTrailingBroadcast(aShape, of: outShape) {
        let m = a.count
        var base = 0
        while base < n {
            let rb = pb + base, ro = po + base
            for j in 0..<m { ro[j] = k(pa[j], rb[j]) }
            base &+= m
        }
        return
    }
    let sa = broadcastStrides(aShape, to: outShape), sb = broadcastStrides(bShape, to: outShape)
    let r = outShape.count
    let inner = outShape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
    if inner == 0 { return }
    // Whole inner rows are split over threads; each chunk starts its odometer at its first row.
    parallelChunks(n / inner, align: 1, unitCost: inner) { rowLo, rowHi in
        var index = [Int](repeating: 0, count: r)
        var offA = 0, offB = 0
        var rest = rowLo
        var d = r - 2
        while d >= 0 {
            index[d] = rest % outShape[d]
            rest /= outShape[d]
            offA &+= index[d] &* sa[d]
            offB &+= index[d] &* sb[d]
            d -= 1
        }
        var o = rowLo &* inner
        let end = rowHi &* inner
        while o < end {
            let ro = po + o
            // Contiguous and broadcast inner axes get their own (vectorisable) loops.
            if ia == 1 && ib == 1 {
                let ra = pa + offA, rb = pb + offB
                for j in 0..<inner { ro[j] = k(ra[j], rb[j]) }
            } else if ia == 0 && ib == 1 {
                let s = pa[offA], rb = pb + offB
                for j in 0..<inner { ro[j] = k(s, rb[j]) }
            } else if ia == 1 && ib == 0 {
                let ra = pa + offA, s = pb[offB]
                for j in 0..<inner { ro[j] = k(ra[j], s) }
            } else {
                for j in 0..<inner { ro[j] = k(pa[offA &+ j &* ia], pb[offB &+ j &* ib]) }
            }
            o &+= inner
            var d = r - 2
            while d >= 0 {
                index[d] &+= 1
                offA &+= sa[d]
                offB &+= sb[d]
                if index[d] < outShape[d] { break }
                offA &-= sa[d] &* outShape[d]
                offB &-= sb[d] &* outShape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// ``binaryLoop(_:_:_:_:_:_:_:_:)``'s fast paths through the C kernels: same shape, a scalar
/// operand, a trailing-row operand, and the general broadcast's contiguous inner rows. Returns
/// false (nothing written) for the layouts it leaves to the generic loop.
@inline(__always)
func binarySIMDLoop<T: KernelScalar>(
    _: T.Type, _ pa: UnsafePointer<T>, _ countA: Int, _ aShape: [Int], _ pb: UnsafePointer<T>, _ countB: Int, _ bShape: [Int],
    _ po: UnsafeMutablePointer<T>, _ outShape: [Int], _ op: BinarySIMD
) -> Bool {
    let n = outShape.reduce(1, *), level = KernelStrategy.level
    if countA == n && (countB == n || countB == 1) {
        let sb = countB == n ? 1 : 0
        parallelChunks(n) { lo, hi in T.binary(op, pa + lo, 1, pb + lo &* sb, sb, po + lo, hi &- lo, level: level) }
        return true
    }
    if countA == 1 && countB == n {
        parallelChunks(n) { lo, hi in T.binary(op, pa, 0, pb + lo, 1, po + lo, hi &- lo, level: level) }
        return true
    }
    if countA == n && countB > 0 && isTrailingBroadcast(bShape, of: outShape) {
        let m = countB
        parallelChunks(n / m, align: 1, unitCost: m) { lo, hi in
            for row in lo..<hi { T.binary(op, pa + row &* m, 1, pb, 1, po + row &* m, m, level: level) }
        }
        return true
    }
    if countB == n && countA > 0 && isTrailingBroadcast(aShape, of: outShape) {
        let m = countA
        parallelChunks(n / m, align: 1, unitCost: m) { lo, hi in
            for row in lo..<hi { T.binary(op, pa, 1, pb + row &* m, 1, po + row &* m, m, level: level) }
        }
        return true
    }
    return false
}

/// Sum of `n` contiguous values, in `Double` across blocks (``KernelScalar/contiguousSum(_:_:)``).
@inline(__always)
func contiguousSum<T: KernelScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double { T.contiguousSum(p, n) }

/// `k` over broadcast integer operands, element by element in `Int64`, into `out`.
func integerBinaryLoop(
    _ a: Storage, _ aShape: [Int], _ b: Storage, _ bShape: [Int],
    _ out: Storage, _ outShape: [Int], _ k: (Int64, Int64) -> Int64
) {
    let sa = broadcastStrides(aShape, to: outShape), sb = broadcastStrides(bShape, to: outShape)
    var index = [Int](repeating: 0, count: outShape.count)
    var offA = 0, offB = 0
    for o in 0..<out.count {
        out.set(o, int64: k(a.int64(at: offA), b.int64(at: offB)))
        var d = outShape.count - 1
        while d >= 0 {
            index[d] += 1
            offA += sa[d]
            offB += sb[d]
            if index[d] < outShape[d] { break }
            offA -= sa[d] * outShape[d]
            offB -= sb[d] * outShape[d]
            index[d] = 0
            d -= 1
        }
    }
}

extension Tensor {
    /// The element-wise image of `self` under `k`, same shape and dtype, no graph. Integer
    /// input runs the kernel's integer form, or is promoted to float32 when it has none.
    final func map<K: UnaryKernel>(_ k: K) -> Tensor {
        guard dtype.isFloatingPoint else {
            guard let f = k.integerForm else { return to(.float32).map(k) }
            // Arithmetic on booleans counts them, as PyTorch's `mask * 2` gives int64.
            let out = Storage(dtype: dtype == .bool ? .int64 : dtype, count: count)
            for i in 0..<count { out.set(i, int64: f(storage.int64(at: i))) }
            return Tensor(storage: out, shape: shape)
        }
        let out = Storage(dtype: dtype, count: count)
        dtype.dispatch("map", UnaryMap(x: storage, out: out, k: k))
        return Tensor(storage: out, shape: shape)
    }

    /// `k` over broadcast operands, promoted to PyTorch's result dtype, no graph.
    static func zipMap<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, op: String, _ k: K) -> Tensor {
        let outShape = broadcastShapes(a.shape, b.shape, op: op)
        var dtype = DType.promoted(a.dtype, b.dtype)
        if !dtype.isFloatingPoint && k.integerForm == nil { dtype = .float32 }
        let sa = a.dtype == dtype ? a.storage : a.storage.copy(as: dtype)
        let sb = b.dtype == dtype ? b.storage : b.storage.copy(as: dtype)
        let out = Storage(dtype: dtype, count: outShape.reduce(1, *))
        switch dtype {
        case .float32: binaryLoop(Float.self, sa, a.shape, sb, b.shape, out, outShape, k)
        case .float64: binaryLoop(Double.self, sa, a.shape, sb, b.shape, out, outShape, k)
        case .int64, .int32, .uint8, .bool:
            integerBinaryLoop(sa, a.shape, sb, b.shape, out, outShape, k.integerForm!)
        }
        return Tensor(storage: out, shape: outShape)
    }

    /// Writes `k(self, other)` into `self`'s own buffer; `other` broadcasts to `self`'s shape.
    /// No graph: for gradient accumulation, optimisers and initialisers.
    final func zipMapInPlace<K: BinaryKernel>(_ other: Tensor, op: String, _ k: K) {
        let outShape = broadcastShapes(shape, other.shape, op: op)
        if outShape != shape { opError(op, "output with shape \(shape) doesn't match the broadcast shape \(outShape)") }
        let so = other.dtype == dtype ? other.storage : other.storage.copy(as: dtype)
        switch dtype {
        case .float32: binaryLoop(Float.self, storage, shape, so, other.shape, storage, shape, k)
        case .float64: binaryLoop(Double.self, storage, shape, so, other.shape, storage, shape, k)
        case .int64, .int32, .uint8, .bool:
            guard let f = k.integerForm else {
                opError(op, "result type Float can't be cast to the desired output type \(dtype.scalarTypeName)")
            }
            integerBinaryLoop(storage, shape, so, other.shape, storage, shape, f)
        }
    }
}

/// Stops with PyTorch's message for an op that has no kernel for `dtype`.
func notImplemented(_ op: String, _ dtype: DType) -> Never {
    opError(op, "\"\(op)\" not implemented for '\(dtype.scalarTypeName)'")
}

/// Sets every element of `s` to `value` (converted to its dtype).
func fillKernel(_ s: Storage, _ value: Double) {
    switch s.dtype {
    case .float32: Float.fill(s, value)
    case .float64: Double.fill(s, value)
    case .int64, .int32, .uint8, .bool:
        if s.count == 0 { return }
        s.set(0, double: value)
        let size = s.dtype.byteSize
        for i in 1..<s.count { (s.raw + i * size).copyMemory(from: s.raw, byteCount: size) }
    }
}

/// `out[i] = mask[i] ? a[i] : b[i]` over same-count storages (`mask` is `.bool`; `a`, `b`
/// and `out` share a dtype): a byte-width copy, so it serves every dtype.
func selectLoop(_ mask: Storage, _ a: Storage, _ b: Storage, _ out: Storage) {
    struct Select: BitsKernel {
        let mask: Storage, a: Storage, b: Storage, out: Storage
        func run<T>(_: T.Type) {
            let m = mask.readPointer(UInt8.self), pa = a.readPointer(T.self), pb = b.readPointer(T.self), po = out.pointer(T.self)
            for i in 0..<out.count { po[i] = m[i] != 0 ? pa[i] : pb[i] }
        }
    }
    out.dtype.dispatch(bits: Select(mask: mask, a: a, b: b, out: out))
}

/// ``contiguousSum(_:_:)`` split over ``Parallelism/threadCount`` threads for large `n`, at
/// multiples of its 1024-element blocks, the partial sums added in `Double`.
@inline(__always)
func parallelSum<T: KernelScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    if n < 2 * KernelStrategy.elementwiseGrain || Parallelism.threadCount < 2 { return contiguousSum(p, n) }
    let parts = Mutex<[Int: Double]>([:])
    parallelChunks(n, align: 1024) { lo, hi in
        let s = contiguousSum(p + lo, hi - lo)
        parts.withLock { $0[lo] = s }
    }
    return parts.withLock { $0.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value } }
}

/// ``Tensor/map(_:)``'s float loop, dispatched on the dtype. The storages are held unowned:
/// the value lives only inside `map`, which holds both, and a tiny op (`x + 1` on 5 elements)
/// would otherwise pay a retain and a release for each.
private struct UnaryMap<K: UnaryKernel>: FloatKernel {
    unowned(unsafe) let x: Storage
    unowned(unsafe) let out: Storage
    let k: K
    @inline(__always) func run<T: KernelScalar>(_: T.Type) { unaryLoop(T.self, x, out, k) }
}
