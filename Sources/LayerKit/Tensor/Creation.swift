import RealModule

func _log(_ x: Double) -> Double { .log(x) }
func _cos(_ x: Double) -> Double { .cos(x) }
func _sin(_ x: Double) -> Double { .sin(x) }

extension Tensor {
    /// All zeros.
    ///
    ///     Tensor.zeros([2, 3])
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        checkCount(shape.reduce(1, *), shape)
        return Tensor(storage: Storage(zeros: dtype, count: shape.reduce(1, *)), shape: shape)
    }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, 1, dtype: dtype) }

    /// Every element `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) -> Tensor {
        checkCount(shape.reduce(1, *), shape)
        let t = Tensor(storage: Storage(dtype: dtype, count: shape.reduce(1, *)), shape: shape)
        t.fill(value)
        return t
    }

    /// Zeros shaped like `other` (same dtype unless given).
    public static func zeros(like other: Tensor, dtype: DType? = nil) -> Tensor { zeros(other.shape, dtype: dtype ?? other.dtype) }
    /// Ones shaped like `other`.
    public static func ones(like other: Tensor, dtype: DType? = nil) -> Tensor { ones(other.shape, dtype: dtype ?? other.dtype) }

    /// `start, start+step, …` up to but excluding `end`, as `torch.arange`.
    ///
    ///     Tensor.arange(5)            // tensor([0., 1., 2., 3., 4.])
    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        if step == 0 { opError("arange", "step must be nonzero") }
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Double($0) * step }, shape: [n], dtype: dtype)
    }

    /// `arange(end)` for a whole-number end.
    public static func arange(_ end: Int, dtype: DType = .float32) -> Tensor { arange(0, Double(end), dtype: dtype) }

    /// `steps` evenly spaced values from `start` to `end` inclusive, as `torch.linspace`.
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32) -> Tensor {
        if steps < 0 { opError("linspace", "number of steps must be non-negative") }
        if steps == 1 { return Tensor([start], dtype: dtype) }
        let h = (end - start) / Double(Swift.max(steps - 1, 1))
        // Like PyTorch, fill the second half from the end so that `end` is exact.
        let values = (0..<steps).map { i in i < steps / 2 ? start + Double(i) * h : end - Double(steps - 1 - i) * h }
        return Tensor(values, shape: [steps], dtype: dtype)
    }

    /// The `n × m` identity (ones on the diagonal).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let m = m ?? n
        var values = [Double](repeating: 0, count: n * m)
        for i in 0..<Swift.min(n, m) { values[i * m + i] = 1 }
        return Tensor(values, shape: [n, m], dtype: dtype)
    }
}
