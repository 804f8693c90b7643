// The loops of ``Tensor/spectralMix(_:weight:)`` (Ops/SpectralMix.swift has the op and its
// graph): the gathers of the modes into per-mode matrices and one complex GEMM per mode.

extension Tensor {
    /// `[p, q, 2]` → `[q, p, 2]` with each complex pair kept together: `[rows·cols, modes]` →
    /// `[modes, rows·cols]` gathers the modes into per-mode matrices, the reverse scatters them back.
    private static func transposedPairs(_ s: Storage, _ p: Int, _ q: Int) -> Storage {
        /// A complex pair moves as one 64- or 128-bit value; here as two of the dtype's width.
        struct Transpose: BitsKernel {
            let s: Storage, out: Storage, p: Int, q: Int
            func run<Bits>(_: Bits.Type) {
                let src = s.readPointer(Bits.self), dst = out.pointer(Bits.self)
                for j in 0..<p {
                    for k in 0..<q {
                        let d = (k &* p &+ j) &* 2, e = (j &* q &+ k) &* 2
                        dst[d] = src[e]
                        dst[d &+ 1] = src[e &+ 1]
                    }
                }
            }
        }
        let out = Storage(dtype: s.dtype, count: p * q * 2)
        s.dtype.dispatch(bits: Transpose(s: s, out: out, p: p, q: q))
        return out
    }

    /// `[rows, cols, modes, 2]` → `[modes, rows, cols, 2]`.
    static func gatherModes(_ s: Storage, rows: Int, cols: Int, modes: Int) -> Storage {
        transposedPairs(s, rows * cols, modes)
    }

    /// `[modes, rows, cols, 2]` → `[rows, cols, modes, 2]`.
    static func scatterModes(_ s: Storage, rows: Int, cols: Int, modes: Int) -> Storage {
        transposedPairs(s, modes, rows * cols)
    }

    /// For each mode k: `c_k [rows, cols] = op(a_k)·op(b_k)`, complex, where `a_k` is stored
    /// `aStored` and `b_k` `bStored` (row-major, complex elements); a conj flag means the
    /// conjugate transpose of the stored matrix.
    static func complexGemmPerMode(
        _ dtype: DType, modes: Int, conjA: Bool, conjB: Bool, rows: Int, cols: Int, inner: Int,
        a: Storage, aStored: (Int, Int), b: Storage, bStored: (Int, Int), c: Storage
    ) {
        if rows * cols == 0 { return }
        if inner == 0 { c.zero(); return }
        struct PerMode: FloatKernel {
            let modes: Int, conjA: Bool, conjB: Bool, rows: Int, cols: Int, inner: Int
            let a: Storage, aStored: (Int, Int), b: Storage, bStored: (Int, Int), c: Storage
            func run<T: KernelScalar>(_: T.Type) {
                let (sa, sb, sc) = (aStored.0 * aStored.1, bStored.0 * bStored.1, rows * cols)
                let pa = a.readPointer(T.self), pb = b.readPointer(T.self), pc = c.pointer(T.self)
                for k in 0..<modes {
                    T.complexGemm(conjA: conjA, conjB: conjB, m: rows, n: cols, k: inner, a: pa + 2 * k * sa, lda: aStored.1,
                                  b: pb + 2 * k * sb, ldb: bStored.1, c: pc + 2 * k * sc, ldc: cols)
                }
            }
        }
        dtype.dispatch("spectralMix", PerMode(modes: modes, conjA: conjA, conjB: conjB, rows: rows, cols: cols, inner: inner,
                                              a: a, aStored: aStored, b: b, bStored: bStored, c: c))
    }
}
