extension Tensor {
    /// Whether every element is within `atol + rtol·|other|` of `other` (PyTorch's
    /// `torch.allclose`; shapes must broadcast to this tensor's). NaNs are never close.
    ///
    ///     #expect(y.allClose(expected, rtol: 1e-5, atol: 1e-6))
    public final func allClose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8) -> Bool {
        let b = other.expand(shape).doubles()
        return zip(doubles(), b).allSatisfy { x, y in
            x == y || Swift.abs(x - y) <= atol + rtol * Swift.abs(y)
        }
    }

    /// The largest `|self − other|` over all elements (0 for empty tensors).
    public final func maxAbsDifference(_ other: Tensor) -> Double {
        zip(doubles(), other.expand(shape).doubles()).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
    }
}
