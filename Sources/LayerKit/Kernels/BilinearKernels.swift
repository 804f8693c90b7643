// The loops of ``Tensor/bilinear(_:_:weight:bias:)`` around its GEMMs (Ops/BilinearOp.swift has
// the op and its graph).

/// The batched outer product `[rows, in1] ⊗ [rows, in2] → [rows, in1·in2]` into `out` (row b
/// holds `x1[b, i] · x2[b, :]` for i = 0, 1, …).
func bilinearOuterKernel(_ x1: Storage, _ x2: Storage, rows: Int, in1: Int, in2: Int, into out: Storage) {
    struct Outer: FloatKernel {
        let x1: Storage, x2: Storage, rows: Int, in1: Int, in2: Int, out: Storage
        func run<T: KernelScalar>(_: T.Type) {
            let pa = x1.readPointer(T.self), pc = x2.readPointer(T.self), po = out.pointer(T.self)
            let in1 = in1, in2 = in2
            parallelChunks(rows, align: 1, unitCost: in1 &* in2) { lo, hi in
                for b in lo..<hi {
                    let xb = pc + b &* in2
                    for i in 0..<in1 {
                        let s = pa[b &* in1 &+ i], o = po + (b &* in1 &+ i) &* in2
                        for j in 0..<in2 { o[j] = s * xb[j] }
                    }
                }
            }
        }
    }
    out.dtype.dispatch("bilinear", Outer(x1: x1, x2: x2, rows: rows, in1: in1, in2: in2, out: out))
}

/// From `m` `[rows, in1·in2]`: `d1[b, i] = Σ_j m[b, i, j]·x2[b, j]` and (into zeroed `d2`)
/// `d2[b, j] = Σ_i m[b, i, j]·x1[b, i]`, in one pass over `m`.
func bilinearContractKernel(_ m: Storage, _ x1: Storage, _ x2: Storage, rows: Int, in1: Int, in2: Int, into d1: Storage, _ d2: Storage) {
    struct Contract: FloatKernel {
        let m: Storage, x1: Storage, x2: Storage, rows: Int, in1: Int, in2: Int, d1: Storage, d2: Storage
        func run<T: KernelScalar>(_: T.Type) {
            let pm = m.readPointer(T.self), pa = x1.readPointer(T.self), pc = x2.readPointer(T.self)
            let p1 = d1.pointer(T.self), p2 = d2.pointer(T.self), in1 = in1, in2 = in2
            parallelChunks(rows, align: 1, unitCost: in1 &* in2) { lo, hi in
                for b in lo..<hi {
                    let xb = pc + b &* in2, out2 = p2 + b &* in2
                    for i in 0..<in1 {
                        let row = pm + (b &* in1 &+ i) &* in2, s = pa[b &* in1 &+ i]
                        var dot: T = 0
                        for j in 0..<in2 {
                            dot += row[j] * xb[j]
                            out2[j] += s * row[j]
                        }
                        p1[b &* in1 &+ i] = dot
                    }
                }
            }
        }
    }
    m.dtype.dispatch("bilinear", Contract(m: m, x1: x1, x2: x2, rows: rows, in1: in1, in2: in2, d1: d1, d2: d2))
}
