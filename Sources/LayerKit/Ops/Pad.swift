// Constant padding (`torch.nn.functional.pad`, mode "constant"), forward next to backward.

extension Tensor {
    /// This tensor padded with `value` (0 by default), PyTorch's flat form: `padding` holds
    /// (before, after) pairs for the **last** axis first, then the one before it, and so on —
    /// `[left, right]` pads the last axis, `[left, right, top, bottom]` the last two.
    /// Negative amounts crop, as in PyTorch. The backward cuts the gradient of the original
    /// region out of the padded gradient.
    ///
    ///     Tensor.ones([2, 2]).pad([1, 1])         // shape [2, 4]: a zero column each side
    ///     Tensor.ones([2, 2]).pad([0, 0, 1, 2])   // shape [5, 2]: one zero row above, two below
    public final func pad(_ padding: [Int], value: Double = 0) -> Tensor {
        if padding.count % 2 != 0 { opError("pad", "Padding length must be divisible by 2") }
        if padding.count / 2 > rank {
            opError("pad", "Padding length should be less than or equal to two times the input dimension but got padding length \(padding.count) and input of dimension \(rank)")
        }
        var outShape = shape
        var srcStart = [Int](repeating: 0, count: rank)
        var dstStart = [Int](repeating: 0, count: rank)
        var extent = shape
        for p in 0..<(padding.count / 2) {
            let d = rank - 1 - p
            let before = padding[2 * p], after = padding[2 * p + 1]
            let size = shape[d] + before + after
            if size < 0 {
                opError("pad", "The input size \(shape[d]), plus negative padding \(before) and \(after) resulted in a negative output size, which is invalid. Check dimension \(d) of your input (shape \(shape)).")
            }
            outShape[d] = size
            // The part of the input that survives cropping, and where it lands.
            srcStart[d] = Swift.max(0, -before)
            dstStart[d] = Swift.max(0, before)
            extent[d] = Swift.max(0, shape[d] - Swift.max(0, -before) - Swift.max(0, -after))
        }
        let out = boxed(as: shape, from: srcStart, extent: extent, into: outShape, at: dstStart, fill: value)
        if Tensor.needsGrad(self) {
            out.record("ConstantPadNdBackward0", self) { [shape, dtype] g in
                [g.boxed(as: outShape, from: dstStart, extent: extent, into: shape, at: srcStart, dtype: dtype)]
            }
        }
        return out
    }
}
