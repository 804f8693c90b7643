// Matrix products through CBLAS gemm. Transposes are gemm flags, never copies.

extension Tensor {
    /// `op(a)·op(b)` for operands of rank ≥ 2 (batch axes broadcast), where `op` transposes
    /// the last two axes when its flag is set. No graph; the building block of every product.
    static func gemmProduct(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false, op: String = "matmul") -> Tensor {
        let dtype = DType.promoted(a.dtype, b.dtype)
        let a = a.dtype == dtype ? a : a.detach().to(dtype)
        let b = b.dtype == dtype ? b : b.detach().to(dtype)
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transA ? (ac, ar) : (ar, ac)
        let (k2, n) = transB ? (bc, br) : (br, bc)
        if k != k2 {
            let sa = a.rank == 2 ? "\(m)x\(k)" : "\(a.shape)", sb = b.rank == 2 ? "\(k2)x\(n)" : "\(b.shape)"
            opError(op, "mat1 and mat2 shapes cannot be multiplied (\(sa) and \(sb))")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShapes(batchA, batchB, op: op)
        let nb = batch.reduce(1, *)
        // A batch operand that is not already the full batch is broadcast (copied) once.
        let fa = batchA == batch || batchA.reduce(1, *) == 1 ? a : a.expand(batch + [ar, ac])
        let fb = batchB == batch || batchB.reduce(1, *) == 1 ? b : b.expand(batch + [br, bc])
        let strideA = fa.count == ar * ac ? 0 : ar * ac, strideB = fb.count == br * bc ? 0 : br * bc
        let out = Tensor(storage: Storage(dtype: dtype, count: nb * m * n), shape: batch + [m, n])
        if m * n * nb > 0 {
            if k == 0 {
                out.fill(0)
            } else {
                gemmKernel(transA: transA, transB: transB, m: m, n: n, k: k, batch: nb,
                           a: fa.storage, strideA: strideA, lda: ac, b: fb.storage, strideB: strideB, ldb: bc,
                           beta: 0, c: out.storage, ldc: n)
            }
        }
        return out
    }

    /// Matrix product with PyTorch's `matmul` rules: 1-D·1-D is a dot product, a 1-D operand is
    /// a row (left) or a column (right) vector, and ranks ≥ 3 are batches that broadcast.
    ///
    ///     let y = x.matmul(w)         // [batch, in] · [in, out] → [batch, out]
    public final func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        if a.rank == 0 || b.rank == 0 {
            opError("matmul", "both arguments to matmul need to be at least 1D, but they are \(a.rank)D and \(b.rank)D")
        }
        let a2 = a.rank == 1 ? a.detach().reshape([1, a.shape[0]]) : a.detach()
        let b2 = b.rank == 1 ? b.detach().reshape([b.shape[0], 1]) : b.detach()
        if a.rank == 1 && b.rank == 1 && a.shape != b.shape {
            opError("dot", "inconsistent tensor size, expected tensor [\(a.shape[0])] and src [\(b.shape[0])] to have the same number of elements, but got \(a.shape[0]) and \(b.shape[0]) elements respectively")
        }
        let raw = Tensor.gemmProduct(a2, b2)
        var outShape = raw.shape
        if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
        if b.rank == 1 { outShape.removeLast() }
        let out = raw.reshape(outShape)
        if Tensor.needsGrad(a, b) {
            let name = a.rank == 1 && b.rank == 1 ? "DotBackward0"
                : b.rank == 1 && a.rank == 2 ? "MvBackward0"
                : a.rank <= 2 && b.rank <= 2 ? "MmBackward0" : "BmmBackward0"
            let out2 = raw.shape
            out.record(name, a, b) { g in
                let g2 = g.reshape(out2)
                // Unbroadcast against the 2-D views: a 1-D operand's gradient keeps its vector axis.
                return [a.requiresGrad ? a2.unbroadcast(Tensor.gemmProduct(g2, b2, transB: true)).reshape(a.shape) : nil,
                        b.requiresGrad ? b2.unbroadcast(Tensor.gemmProduct(a2, g2, transA: true)).reshape(b.shape) : nil]
            }
        }
        return out
    }

    /// `op(self)·op(other)` where `op` swaps the last two axes when its flag is set: the same
    /// product as `self.T.matmul(other)` and friends, without materialising the transpose (the
    /// flags go to gemm). Both operands need rank ≥ 2; batch axes broadcast.
    ///
    ///     let dW = x.matmul(g, transposeSelf: true)     // xᵀ·g, no copy of x
    public final func matmul(_ other: Tensor, transposeSelf: Bool, transposeOther: Bool = false) -> Tensor {
        if rank < 2 || other.rank < 2 {
            opError("matmul", "transposed products need operands of rank ≥ 2, got shapes \(shape) and \(other.shape)")
        }
        let a = self, b = other, ta = transposeSelf, tb = transposeOther
        let out = Tensor.gemmProduct(a, b, transA: ta, transB: tb)
        if Tensor.needsGrad(a, b) {
            let (ad, bd) = (a.detach(), b.detach())
            out.record(a.rank == 2 && b.rank == 2 ? "MmBackward0" : "BmmBackward0", a, b) { g in
                // d op(A) = g·op(B)ᵀ and d op(B) = op(A)ᵀ·g, each undone through its own flag.
                let da = ta ? Tensor.gemmProduct(bd, g, transA: tb, transB: true) : Tensor.gemmProduct(g, bd, transB: !tb)
                let db = tb ? Tensor.gemmProduct(g, ad, transA: true, transB: ta) : Tensor.gemmProduct(ad, g, transA: !ta)
                return [a.requiresGrad ? a.unbroadcast(da) : nil, b.requiresGrad ? b.unbroadcast(db) : nil]
            }
        }
        return out
    }

    /// The last two axes swapped (PyTorch's `.T` / `.mT` for 2-D and batches); a 1-D tensor is
    /// returned as is.
    public final var T: Tensor { rank < 2 ? self : transpose(rank - 2, rank - 1) }

    /// `T`, spelled as a method.
    public final func transposed() -> Tensor { T }

    /// The outer product of two 1-D tensors: `[n] ⊗ [m] → [n, m]`.
    public final func outer(_ other: Tensor) -> Tensor {
        if rank != 1 || other.rank != 1 {
            opError("outer", "expected 1-D tensors, got shapes \(shape) and \(other.shape)")
        }
        return reshape([count, 1]) * other.reshape([1, other.count])
    }

    /// `x·Wᵀ + b` with `weight` of shape `[out, in]` as PyTorch's `F.linear`: one gemm with the
    /// transpose flag, the bias written into the output first so gemm adds onto it.
    ///
    ///     let y = Tensor.linear(x, weight: w, bias: b)
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        if weight.rank != 2 { opError("linear", "weight must be 2-D [out, in], got \(weight.shape)") }
        if x.rank == 0 || x.shape[x.rank - 1] != weight.shape[1] {
            opError("linear", "mat1 and mat2 shapes cannot be multiplied (\(x.shape.dropLast().reduce(1, *))x\(x.shape.last ?? 1) and \(weight.shape[1])x\(weight.shape[0]))")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            opError("linear", "bias of shape \(bias.shape) does not match weight \(weight.shape)")
        }
        let inF = weight.shape[1], outF = weight.shape[0]
        let rows = x.count / Swift.max(inF, 1)
        let dtype = DType.promoted(x.dtype, weight.dtype)
        let xs = x.to(dtype).detach(), ws = weight.to(dtype).detach()
        let out = Tensor(storage: Storage(dtype: dtype, count: rows * outF), shape: Array(x.shape.dropLast()) + [outF])
        if let bias { out.storage.tile(from: bias.to(dtype).storage) }
        if rows * outF > 0 {
            if inF == 0 {
                if bias == nil { out.fill(0) }
            } else {
                gemmKernel(transA: false, transB: true, m: rows, n: outF, k: inF, batch: 1,
                           a: xs.storage, strideA: 0, lda: inF, b: ws.storage, strideB: 0, ldb: inF,
                           beta: bias == nil ? 0 : 1, c: out.storage, ldc: outF)
            }
        }
        if needsGrad(x, weight) || (bias.map { needsGrad($0) } ?? false) {
            let inputs = [x, weight] + (bias.map { [$0] } ?? [])
            out.record(bias == nil ? "MmBackward0" : "AddmmBackward0", inputs) { g in
                let g2 = g.reshape([rows, outF])
                let x2 = xs.reshape([rows, inF])
                var grads: [Tensor?] = [
                    x.requiresGrad ? gemmProduct(g2, ws).reshape(x.shape).to(x.dtype) : nil,
                    weight.requiresGrad ? gemmProduct(g2, x2, transA: true).to(weight.dtype) : nil,
                ]
                if let bias { grads.append(bias.requiresGrad ? g2.sum(axis: 0).to(bias.dtype) : nil) }
                return grads
            }
        }
        return out
    }
}
