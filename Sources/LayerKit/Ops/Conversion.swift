extension Tensor {
    /// This tensor in `dtype` (itself when it already is), differentiable between float
    /// dtypes. To an integer dtype floats truncate toward zero; to `.bool` non-zero is true;
    /// an integer result never requires grad, as in PyTorch.
    ///
    ///     let x64 = x.to(.float64)
    ///     let labels = y.to(.int64)
    public final func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(storage: storage.copy(as: dtype), shape: shape)
        if dtype.isFloatingPoint && Tensor.needsGrad(self) {
            let source = self.dtype
            out.record("ToCopyBackward0", self) { g in [g.to(source)] }
        }
        return out
    }

    /// This tensor as float64.
    public final func double() -> Tensor { to(.float64) }
    /// This tensor as float32.
    public final func float() -> Tensor { to(.float32) }
    /// This tensor as int64 (PyTorch's `long()`).
    public final func long() -> Tensor { to(.int64) }
    /// This tensor as a `.bool` mask (non-zero is true).
    public final func bool() -> Tensor { to(.bool) }

    /// A copy with its own buffer, differentiable (`torch.clone`).
    public final func clone() -> Tensor {
        let out = Tensor(storage: storage.copy(), shape: shape)
        if Tensor.needsGrad(self) { out.record("CloneBackward0", self) { g in [g] } }
        return out
    }

    /// Overwrites this tensor's values with `source`'s (broadcast, converted), in place and
    /// without recording: PyTorch's `with no_grad(): p.copy_(source)`.
    public final func copy(from source: Tensor) {
        if source.shape == shape && source.dtype == dtype {
            storage.assign(from: source.storage)
        } else {
            storage.assign(from: source.expand(shape).to(dtype).storage)
        }
    }

    /// Sets every element to `value`, in place and without recording.
    public final func fill(_ value: Double) {
        if value == 0 && value.sign == .plus {
            storage.zero()
            return
        }
        fillKernel(storage, value)
    }

    /// Replaces this tensor's buffer, shape and dtype with `source`'s values (a copy), in place:
    /// PyTorch's `param.data = source`. Used by `Module.to(_:)` and lazy materialisation.
    public final func setData(_ source: Tensor) {
        storage = source.storage.copy()
        shape = source.shape
    }
}
