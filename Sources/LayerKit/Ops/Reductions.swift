// Reductions over all elements or chosen axes, with keep-dims; forward and backward together.

/// An associative reduction: a starting value and how to fold one element in.
protocol ReduceKernel {
    func initial<T: KernelScalar>(_: T.Type) -> T
    func combine<T: KernelScalar>(_ acc: T, _ x: T) -> T
    /// The starting value on integer tensors.
    var integerInitial: Int64 { get }
    /// Folding one element in, on integer tensors.
    func combine(_ acc: Int64, _ x: Int64) -> Int64
}
struct SumReduce: ReduceKernel {
    func initial<T: KernelScalar>(_: T.Type) -> T { 0 }
    func combine<T: KernelScalar>(_ acc: T, _ x: T) -> T { acc + x }
    var integerInitial: Int64 { 0 }
    func combine(_ acc: Int64, _ x: Int64) -> Int64 { acc &+ x }
}
struct MaxReduce: ReduceKernel {
    func initial<T: KernelScalar>(_: T.Type) -> T { -.infinity }
    // NaN propagates, as in PyTorch.
    func combine<T: KernelScalar>(_ acc: T, _ x: T) -> T { x > acc || x.isNaN ? x : acc }
    var integerInitial: Int64 { .min }
    func combine(_ acc: Int64, _ x: Int64) -> Int64 { Swift.max(acc, x) }
}
struct MinReduce: ReduceKernel {
    func initial<T: KernelScalar>(_: T.Type) -> T { .infinity }
    func combine<T: KernelScalar>(_ acc: T, _ x: T) -> T { x < acc || x.isNaN ? x : acc }
    var integerInitial: Int64 { .max }
    func combine(_ acc: Int64, _ x: Int64) -> Int64 { Swift.min(acc, x) }
}

extension Tensor {
    /// Sorted, de-duplicated, non-negative axes; `nil` or `[]` means every axis.
    final func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes, !axes.isEmpty else { return Array(0..<rank) }
        return Array(Set(axes.map { normalizedAxis($0, op: op) })).sorted()
    }

    /// The shape after reducing `axes` (kept as 1s, or dropped).
    final func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Runs a reduction kernel, no graph. Integer sums are int64 (a count of a bool mask),
    /// integer extrema keep the dtype, as in PyTorch.
    final func reduce<K: ReduceKernel>(_ k: K, axes: [Int], keepDims: Bool) -> Tensor {
        let kept = reducedShape(axes, keepDims: true)
        let outDType = !dtype.isFloatingPoint && K.self == SumReduce.self ? .int64 : dtype
        let out = Storage(dtype: outDType, count: kept.reduce(1, *))
        reduceKernel(k, storage, shape, kept, into: out)
        return Tensor(storage: out, shape: keepDims ? kept : reducedShape(axes, keepDims: false))
    }

    /// Sum of all elements, a 0-d tensor.
    public final func sum() -> Tensor { sum(axes: nil, keepDims: false, name: "SumBackward0") }

    /// Sum over `axis` (negative counts from the end).
    ///
    ///     x.sum(axis: 1, keepDims: true)
    public final func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Sum over several axes.
    public final func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        sum(axes: axes, keepDims: keepDims, name: "SumBackward1")
    }

    private final func sum(axes: [Int]?, keepDims: Bool, name: String) -> Tensor {
        let axes = normalizedAxes(axes, op: "sum")
        let out = reduce(SumReduce(), axes: axes, keepDims: keepDims)
        if Tensor.needsGrad(self) {
            let kept = reducedShape(axes, keepDims: true)
            out.record(name, self) { [shape] g in [g.reshape(kept).expand(shape)] }
        }
        return out
    }

    /// Mean of all elements, a 0-d tensor. An integer or bool tensor is averaged in float32
    /// (PyTorch refuses; `(predicted .== labels).mean()` is then an accuracy).
    public final func mean() -> Tensor { mean(axes: nil, keepDims: false, name: "MeanBackward0") }

    /// Mean over `axis`.
    public final func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Mean over several axes.
    public final func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        mean(axes: axes, keepDims: keepDims, name: "MeanBackward1")
    }

    private final func mean(axes: [Int]?, keepDims: Bool, name: String) -> Tensor {
        // PyTorch refuses an integer mean; LayerKit averages in float32 (`(pred .== y).mean()`
        // is an accuracy).
        if !dtype.isFloatingPoint { return to(.float32).mean(axes: axes, keepDims: keepDims, name: name) }
        let axes = normalizedAxes(axes, op: "mean")
        let n = axes.reduce(1) { $0 * shape[$1] }
        let out = withNoGrad { reduce(SumReduce(), axes: axes, keepDims: keepDims) / Double(n) }
        if Tensor.needsGrad(self) {
            let kept = reducedShape(axes, keepDims: true)
            out.record(name, self) { [shape] g in [(g / Double(n)).reshape(kept).expand(shape)] }
        }
        return out
    }

    /// Largest element, a 0-d tensor (ties share the gradient evenly, as PyTorch's `amax`).
    public final func max() -> Tensor { extremum(MaxReduce(), axes: nil, keepDims: false, op: "max", name: "MaxBackward1") }
    /// Largest values along `axis`.
    public final func max(axis: Int, keepDims: Bool = false) -> Tensor {
        extremum(MaxReduce(), axes: [axis], keepDims: keepDims, op: "max", name: "AmaxBackward0")
    }
    /// Smallest element, a 0-d tensor.
    public final func min() -> Tensor { extremum(MinReduce(), axes: nil, keepDims: false, op: "min", name: "MinBackward1") }
    /// Smallest values along `axis`.
    public final func min(axis: Int, keepDims: Bool = false) -> Tensor {
        extremum(MinReduce(), axes: [axis], keepDims: keepDims, op: "min", name: "AminBackward0")
    }

    private final func extremum<K: ReduceKernel>(_ k: K, axes: [Int]?, keepDims: Bool, op: String, name: String) -> Tensor {
        let axes = normalizedAxes(axes, op: op)
        if count == 0 { opError(op, "cannot reduce an empty tensor of shape \(shape)") }
        let out = reduce(k, axes: axes, keepDims: keepDims)
        if Tensor.needsGrad(self) {
            let kept = reducedShape(axes, keepDims: true)
            let y = out.detach()
            out.record(name, self) { [self] g in
                let hit = self .== y.reshape(kept)
                let ties = hit.sum(axes: axes, keepDims: true)
                return [g.reshape(kept) * hit / ties]
            }
        }
        return out
    }

    /// Index of the largest element along `axis` (of the flattened tensor when nil), an
    /// `.int64` tensor; the first index wins a tie, as in PyTorch.
    ///
    ///     logits.argmax(axis: 1)     // predicted classes, tensor([2, 0, …])
    public final func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        argExtremum(axis: axis, keepDims: keepDims, op: "argmax") { $0 > $1 }
    }

    /// Index of the smallest element along `axis` (of the flattened tensor when nil), an
    /// `.int64` tensor; the first index wins a tie.
    public final func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        argExtremum(axis: axis, keepDims: keepDims, op: "argmin") { $0 < $1 }
    }

    private final func argExtremum(axis: Int?, keepDims: Bool, op: String, _ better: (Double, Double) -> Bool) -> Tensor {
        let x = axis == nil ? reshape([count]) : self
        let a = x.normalizedAxis(axis ?? 0, op: op)
        let values = x.doubles()
        let outer = x.shape[..<a].reduce(1, *), len = x.shape[a], inner = x.shape[(a + 1)...].reduce(1, *)
        if len == 0 { opError(op, "cannot reduce an empty axis of shape \(shape)") }
        var result = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                for j in 1..<Swift.max(len, 1) {
                    let v = values[(o * len + j) * inner + i], b = values[(o * len + best) * inner + i]
                    // NaN wins, as in PyTorch.
                    if !b.isNaN && (better(v, b) || v.isNaN) { best = j }
                }
                result[o * inner + i] = best
            }
        }
        let kept = axis == nil ? [] : x.reducedShape([a], keepDims: keepDims)
        return Tensor(result, shape: keepDims && axis == nil ? Array(repeating: 1, count: rank) : kept)
    }

    /// `log Σ exp(x)` over `axis`, computed stably (the maximum is subtracted first).
    public final func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor { logSumExp(axes: [axis], keepDims: keepDims) }

    /// `log Σ exp(x)` over several axes (all when empty).
    public final func logSumExp(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "logsumexp")
        let kept = reducedShape(axes, keepDims: true)
        let lse = withNoGrad { () -> Tensor in
            let m = reduce(MaxReduce(), axes: axes, keepDims: true)
            let safe = m.map(ClampKernel(low: -.greatestFiniteMagnitude, high: .greatestFiniteMagnitude))
            return (self - safe).exp().sum(axes: axes, keepDims: true).log() + safe
        }
        let out = keepDims ? lse : lse.reshape(reducedShape(axes, keepDims: false))
        if Tensor.needsGrad(self) {
            out.record("LogsumexpBackward0", self) { [self] g in [g.reshape(kept) * (self - lse).exp()] }
        }
        return out
    }

    /// Variance over `axes` (all when nil) with Bessel's correction by default, as `torch.var`.
    public final func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let ax = normalizedAxes(axes, op: "var")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let d = self - mean(axes: ax, keepDims: true)
        return (d * d).sum(axes: ax, keepDims: keepDims) / Double(Swift.max(n - correction, 0))
    }

    /// `exp(x) / Σ exp(x)` along `axis`.
    public final func softmax(axis: Int) -> Tensor { logSoftmax(axis: axis).exp() }

    /// `x - logsumexp(x)` along `axis`, stable for large logits.
    public final func logSoftmax(axis: Int) -> Tensor { self - logSumExp(axis: axis, keepDims: true) }
}
