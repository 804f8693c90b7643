// The reduction loops behind sum, mean, max and min (Reductions.swift holds the ops).

/// Folds `x` (of `shape`) into `out` (of `keptShape`, the reduced axes set to 1) with `k`.
func reduceKernel<K: ReduceKernel>(_ k: K, _ x: Storage, _ shape: [Int], _ keptShape: [Int], into out: Storage) {
    switch x.dtype {
    case .float32: reduceLoop(Float.self, x, shape, keptShape, out, k)
    case .float64: reduceLoop(Double.self, x, shape, keptShape, out, k)
    case .int64, .int32, .uint8, .bool: integerReduceLoop(x, shape, keptShape, out, k)
    }
}

/// Folds integer `x` (of `shape`) into `out` (of `keptShape`), element by element in `Int64`.
func integerReduceLoop<K: ReduceKernel>(_ x: Storage, _ shape: [Int], _ keptShape: [Int], _ out: Storage, _ k: K) {
    var acc = [Int64](repeating: k.integerInitial, count: out.count)
    let so = broadcastStrides(keptShape, to: shape)
    var index = [Int](repeating: 0, count: shape.count)
    var offO = 0
    for i in 0..<x.count {
        acc[offO] = k.combine(acc[offO], x.int64(at: i))
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            offO += so[d]
            if index[d] < shape[d] { break }
            offO -= so[d] * shape[d]
            index[d] = 0
            d -= 1
        }
    }
    for i in 0..<out.count { out.set(i, int64: acc[i]) }
}

/// Folds `x` (of `shape`) into `out` (of `shape` with the reduced axes set to 1).
@inline(__always)
func reduceLoop<T: KernelScalar, K: ReduceKernel>(
    _: T.Type, _ x: Storage, _ shape: [Int], _ keptShape: [Int], _ out: Storage, _ k: K
) {
    let px = x.readPointer(T.self), po = out.pointer(T.self)
    for i in 0..<out.count { po[i] = k.initial(T.self) }
    let n = x.count
    if n == 0 { return }
    if out.count == 1 {
        if K.self == SumReduce.self {
            po[0] = T(parallelSum(px, n))
        } else {
            var acc = po[0]
            for i in 0..<n { acc = k.combine(acc, px[i]) }
            po[0] = acc
        }
        return
    }
    let so = broadcastStrides(keptShape, to: shape)
    let r = shape.count
    let inner = shape[r - 1], io = so[r - 1]
    var index = [Int](repeating: 0, count: r)
    var offO = 0, i = 0
    while i < n {
        let rx = px + i
        if io == 0 {
            if K.self == SumReduce.self {
                po[offO] += T(contiguousSum(rx, inner))
            } else {
                var acc = po[offO]
                for j in 0..<inner { acc = k.combine(acc, rx[j]) }
                po[offO] = acc
            }
        } else {
            let ro = po + offO
            for j in 0..<inner { ro[j] = k.combine(ro[j], rx[j]) }
        }
        i &+= inner
        var d = r - 2
        while d >= 0 {
            index[d] &+= 1
            offO &+= so[d]
            if index[d] < shape[d] { break }
            offO &-= so[d] &* shape[d]
            index[d] = 0
            d -= 1
        }
    }
}
