import Testing
@testable import LayerKit

@Suite("Reductions")
struct ReductionTests {
    @Test("Reductions over all elements and each axis match numpy")
    func matchNumpy() throws {
        let f = try #require(try loadFixture("core")["reductions"] as? [String: Any])
        let x = try fixtureTensor(f["x"])
        func check(_ got: Tensor, _ key: String) throws {
            let want = try fixtureTensor(f[key])
            #expect(allClose(got, want, rtol: 1e-12, atol: 1e-12), "\(key): got \(got.doubles()) shape \(got.shape)")
        }
        try check(x.sum(), "sum")
        try check(x.mean(), "mean")
        try check(x.max(), "max")
        try check(x.min(), "min")
        try check(x.variance(), "var")
        try check(x.variance(axes: [1]), "var_1")
        try check(x.argmax(), "argmax")
        try check(x.sum(axes: [0, 2], keepDims: true), "sum_0_2_keep")
        for ax in [0, 1, 2, -1] {
            try check(x.sum(axis: ax), "sum_\(ax)")
            try check(x.mean(axis: ax), "mean_\(ax)")
            try check(x.max(axis: ax), "max_\(ax)")
            try check(x.min(axis: ax), "min_\(ax)")
            try check(x.argmax(axis: ax), "argmax_\(ax)")
            try check(x.logSumExp(axis: ax), "logsumexp_\(ax)")
        }
    }

    @Test("keepDims keeps reduced axes as size 1")
    func keepDims() {
        let x = Tensor.ones([2, 3, 4])
        #expect(x.sum(axis: 1, keepDims: true).shape == [2, 1, 4])
        #expect(x.mean(axis: -1).shape == [2, 3])
        #expect(x.max(axis: 0, keepDims: true).shape == [1, 3, 4])
        #expect(x.sum().shape == [])
    }

    @Test("Reduction gradients pass gradCheck")
    func gradients() throws {
        let x = randomInput([2, 3, 4], seed: 11)
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("sum", { $0.sum() }), ("sum1", { $0.sum(axis: 1) }), ("sum02k", { $0.sum(axes: [0, 2], keepDims: true) }),
            ("mean", { $0.mean() }), ("mean-1", { $0.mean(axis: -1) }), ("max", { $0.max() }),
            ("max1", { $0.max(axis: 1) }), ("min2", { $0.min(axis: 2, keepDims: true) }),
            ("lse", { $0.logSumExp(axis: 1) }), ("var", { $0.variance(axes: [2]) }),
        ]
        for (name, f) in ops {
            let report = try gradCheck([x]) { f($0[0]) }
            #expect(report.passed, "\(name): \(report)")
        }
    }

    @Test("A million float32 ones sum exactly (blocked summation)")
    func largeSum() {
        #expect(Tensor.ones([1000, 1000]).sum().item() == 1_000_000)
        #expect(Tensor.ones([1000, 1000]).mean().item() == 1)
    }
}
