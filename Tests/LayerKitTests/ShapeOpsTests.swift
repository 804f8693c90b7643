import Testing
@testable import LayerKit

/// Slicing, indexing, concat/stack, split/chunk, pad and the lead's reshape/permute family:
/// values against numpy (Fixtures/make_shape_ops.py), gradients by gradCheck, grad_fn names
/// and dtypes as PyTorch has them.
@Suite("Shape ops: slicing, joining, splitting, padding")
struct ShapeOpsTests {
    // MARK: Fixture helpers

    static func fixture() throws -> [String: Any] { try loadFixture("shape_ops") }

    static func cases(_ key: String) throws -> [[String: Any]] {
        try #require(try fixture()[key] as? [[String: Any]], "fixture has no \(key) list")
    }

    static func input(_ f: [String: Any], _ name: String, dtype: DType = .float64) throws -> Tensor {
        try fixtureTensor(f[name], dtype: dtype)
    }

    /// A subscript entry stored as JSON (see make_shape_ops.py).
    static func tensorIndex(_ any: Any) throws -> TensorIndex {
        if let i = any as? Int { return .index(i) }
        if let s = any as? String {
            if s == ":" { return .all }
            if s == "..." { return .ellipsis }
        }
        let d = try #require(any as? [String: Any], "bad index entry \(any)")
        return .range(start: d["start"] as? Int, end: d["end"] as? Int)
    }

    /// Exact equality: these ops only move values, so nothing may change in the copy.
    func expectSame(_ got: Tensor, _ want: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.shape == want.shape && got.doubles() == want.doubles(),
                "\(what): got shape \(got.shape) \(got.doubles()), want \(want.shape) \(want.doubles())",
                sourceLocation: sourceLocation)
    }

    // MARK: Values against numpy

    @Test("narrow matches numpy, negative axes and starts included")
    func narrowValues() throws {
        let f = try Self.fixture()
        let x = try Self.input(f, "x3")
        for c in try Self.cases("narrow") {
            let axis = try #require(c["axis"] as? Int), start = try #require(c["start"] as? Int)
            let length = try #require(c["length"] as? Int)
            expectSame(x.narrow(axis: axis, start: start, length: length), try fixtureTensor(c["out"]),
                       "narrow(\(axis), \(start), \(length))")
        }
    }

    @Test("select matches numpy and removes the axis")
    func selectValues() throws {
        let f = try Self.fixture()
        let x = try Self.input(f, "x3")
        for c in try Self.cases("select") {
            let axis = try #require(c["axis"] as? Int), index = try #require(c["index"] as? Int)
            let got = x.select(axis: axis, index: index)
            expectSame(got, try fixtureTensor(c["out"]), "select(\(axis), \(index))")
            #expect(got.rank == 2)
        }
    }

    @Test("Subscripts built at run time match numpy basic indexing")
    func indexValues() throws {
        let f = try Self.fixture()
        for c in try Self.cases("index") {
            let name = try #require(c["input"] as? String)
            let raw = try #require(c["indices"] as? [Any])
            let indices = try raw.map(Self.tensorIndex)
            expectSame(try Self.input(f, name)[indices: indices], try fixtureTensor(c["out"]), "\(name)\(indices)")
        }
    }

    @Test("Literal subscripts mean what the same Python subscript means")
    func literalSubscripts() throws {
        let f = try Self.fixture()
        let x2 = try Self.input(f, "x2"), x3 = try Self.input(f, "x3")
        // Each pair: the Swift spelling and the fixture's run-time form of the Python one.
        let pairs: [(Tensor, Tensor, String)] = [
            (x2[2], x2[indices: [2]], "x[2]"),
            (x2[-1], x2[indices: [-1]], "x[-1]"),
            (x2[1..<3], x2[indices: [.range(start: 1, end: 3)]], "x[1:3]"),
            (x2[.all, 1..<3], x2[indices: [.all, .range(start: 1, end: 3)]], "x[:, 1:3]"),
            (x2[0, .all], x2[indices: [0, .all]], "x[0, :]"),
            (x2[.ellipsis, -1], x2[indices: [.ellipsis, -1]], "x[..., -1]"),
            (x2[(-2)...], x2[indices: [.range(start: -2, end: nil)]], "x[-2:]"),
            (x2[..<10, (-3)..<(-1)], x2[indices: [.range(start: nil, end: 10), .range(start: -3, end: -1)]], "x[:10, -3:-1]"),
            (x2[1, 2], x2[indices: [1, 2]], "x[1, 2]"),
            (x3[.all, 1..., -1], x3[indices: [.all, .range(start: 1, end: nil), -1]], "x[:, 1:, -1]"),
            (x3[-1, ..<2, 1...2], x3[indices: [-1, .range(start: nil, end: 2), .range(start: 1, end: 3)]], "x[-1, :2, 1:3]"),
            (x3[0, .ellipsis, 1], x3[indices: [0, .ellipsis, 1]], "x[0, ..., 1]"),
            (x2[(-3)...(-1)], x2[indices: [.range(start: -3, end: nil)]], "x[-3:]"),
            (x3[.all, ...(-1), ...1], x3[indices: [.all, .all, .range(start: nil, end: 2)]], "x[:, :, :2]"),
        ]
        for (got, want, what) in pairs { expectSame(got, want, what) }
        // And the run-time forms themselves are pinned to numpy by indexValues; spot-check one here.
        let want = try #require(try Self.cases("index").first { ($0["indices"] as? [Any])?.count == 2 && $0["input"] as? String == "x2" && ($0["indices"] as? [Any])?.first as? String == ":" })
        expectSame(x2[.all, 1..<3], try fixtureTensor(want["out"]), "x[:, 1:3] vs numpy")
        #expect(x2[2].shape == [5] && x2[1..<3].shape == [2, 5] && x2[1, 2].shape == [])
        #expect(x2[3..<10].shape == [1, 5] && x2[.range(start: 3, end: 1)].shape == [0, 5])
    }

    @Test("concat matches numpy along every axis, 3-D and negative axes included")
    func concatValues() throws {
        for c in try Self.cases("concat") {
            let axis = try #require(c["axis"] as? Int)
            let parts = try #require(c["inputs"] as? [Any]).map { try fixtureTensor($0) }
            expectSame(Tensor.concat(parts, axis: axis), try fixtureTensor(c["out"]), "concat axis \(axis) of \(parts.map(\.shape))")
        }
    }

    @Test("stack matches numpy, new axis anywhere including last and for scalars")
    func stackValues() throws {
        for c in try Self.cases("stack") {
            let axis = try #require(c["axis"] as? Int)
            let parts = try #require(c["inputs"] as? [Any]).map { try fixtureTensor($0) }
            expectSame(Tensor.stack(parts, axis: axis), try fixtureTensor(c["out"]), "stack axis \(axis) of \(parts.map(\.shape))")
        }
    }

    @Test("split by size, by sizes and chunk match numpy, piece counts included")
    func splitValues() throws {
        let f = try Self.fixture()
        func check(_ got: [Tensor], _ c: [String: Any], _ what: String) throws {
            let want = try #require(c["out"] as? [Any]).map { try fixtureTensor($0) }
            #expect(got.count == want.count, "\(what): \(got.count) pieces, want \(want.count)")
            for (g, w) in zip(got, want) { expectSame(g, w, what) }
        }
        for c in try Self.cases("split_size") {
            let x = try Self.input(f, try #require(c["input"] as? String))
            let size = try #require(c["size"] as? Int), axis = try #require(c["axis"] as? Int)
            try check(x.split(size: size, axis: axis), c, "split(size: \(size), axis: \(axis))")
        }
        for c in try Self.cases("split_sizes") {
            let x = try Self.input(f, try #require(c["input"] as? String))
            let sizes = try #require(c["sizes"] as? [Int]), axis = try #require(c["axis"] as? Int)
            try check(x.split(sizes: sizes, axis: axis), c, "split(sizes: \(sizes), axis: \(axis))")
        }
        for c in try Self.cases("chunk") {
            let x = try Self.input(f, try #require(c["input"] as? String))
            let n = try #require(c["n"] as? Int), axis = try #require(c["axis"] as? Int)
            try check(x.chunk(n, axis: axis), c, "chunk(\(n), axis: \(axis))")
        }
    }

    @Test("pad matches torch.nn.functional.pad: last axis first, fill value, negative crops")
    func padValues() throws {
        let f = try Self.fixture()
        for c in try Self.cases("pad") {
            let x = try Self.input(f, try #require(c["input"] as? String))
            let padding = try #require(c["padding"] as? [Int]), value = try #require(c["value"] as? Double)
            expectSame(x.pad(padding, value: value), try fixtureTensor(c["out"]), "pad(\(padding), value: \(value))")
        }
    }

    @Test("reshape(-1), flatten, permute, transpose, squeeze and unsqueeze match numpy")
    func reshapeFamilyValues() throws {
        let f = try Self.fixture()
        let x3 = try Self.input(f, "x3"), x2 = try Self.input(f, "x2")
        let r = try #require(f["reshape"] as? [String: Any])
        expectSame(x3.reshape(-1), try fixtureTensor(r["flat"]), "reshape(-1)")
        expectSame(x3.reshape(4, -1), try fixtureTensor(r["r_4_m1"]), "reshape(4, -1)")
        expectSame(x3.reshape([-1, 2, 3]), try fixtureTensor(r["r_m1_2_3"]), "reshape(-1, 2, 3)")
        let p = try #require(f["permute"] as? [String: Any])
        expectSame(x3.permute([1, 2, 0]), try fixtureTensor(p["p120"]), "permute(1, 2, 0)")
        expectSame(x3.permute([-1, 1, 0]), try fixtureTensor(p["p210"]), "permute(-1, 1, 0)")
        expectSame(x3.transpose(0, 1), try fixtureTensor(p["t01"]), "transpose(0, 1)")
        expectSame(x3.transpose(-1, -3), try fixtureTensor(p["tm1m3"]), "transpose(-1, -3)")
        expectSame(x2.transpose(0, 1), try fixtureTensor(p["x2T"]), "x2.T")
        let fl = try #require(f["flatten"] as? [String: Any])
        expectSame(x3.flatten(), try fixtureTensor(fl["all"]), "flatten()")
        expectSame(x3.flatten(startAxis: 1), try fixtureTensor(fl["from1"]), "flatten(1)")
        expectSame(x3.flatten(endAxis: 1), try fixtureTensor(fl["to1"]), "flatten(0, 1)")

        let u = x3.unsqueeze(1)
        #expect(u.shape == [2, 1, 3, 4] && u.doubles() == x3.doubles())
        #expect(x3.unsqueeze(-1).shape == [2, 3, 4, 1] && x3.unsqueeze(3).shape == [2, 3, 4, 1])
        #expect(x3.unsqueeze(0).shape == [1, 2, 3, 4])
        let s = Tensor.zeros([1, 3, 1, 2])
        #expect(s.squeeze().shape == [3, 2] && s.squeeze(2).shape == [1, 3, 2] && s.squeeze(-4).shape == [3, 1, 2])
        #expect(s.squeeze(1).shape == [1, 3, 1, 2], "squeezing a non-1 axis is a no-op, as in PyTorch")
        expectSame(u.squeeze(1), x3, "unsqueeze then squeeze")
    }

    // MARK: Gradients

    @Test("Every slicing and joining op passes gradCheck in float64")
    func gradients() throws {
        let x = randomInput([2, 3, 4], seed: 31)
        let y = randomInput([2, 2, 4], seed: 32)
        let m = randomInput([4, 5], seed: 33)
        let unary: [(String, Tensor, (Tensor) -> Tensor)] = [
            ("narrow", x, { $0.narrow(axis: 1, start: 1, length: 2) }),
            ("narrow -1", x, { $0.narrow(axis: -1, start: -3, length: 2) }),
            ("select", x, { $0.select(axis: 2, index: -1) }),
            ("x[1]", x, { $0[1] }),
            ("x[:, 1:3]", m, { $0[.all, 1..<3] }),
            ("x[0, :, -1]", x, { $0[0, .all, -1] }),
            ("x[..., 1:]", x, { $0[.ellipsis, 1...] }),
            ("x[-1:, :2, 1:3]", x, { $0[(-1)..., ..<2, 1...2] }),
            ("stack", x, { Tensor.stack([$0, $0 * 2, $0.pow(2)], axis: 1) }),
            ("stack -1", m, { Tensor.stack([$0.exp(), $0], axis: -1) }),
            ("split size", m, { t in Tensor.concat(t.split(size: 2, axis: 1).enumerated().map { $1.flatten() * Double($0 + 1) }) }),
            ("split sizes", x, { t in Tensor.concat(t.split(sizes: [1, 3], axis: -1).enumerated().map { $1.flatten() * Double($0 + 1) }) }),
            ("chunk", x, { t in Tensor.concat(t.chunk(2, axis: 1).enumerated().map { $1.pow(Double($0 + 2)).flatten() }) }),
            ("one split piece", m, { $0.split(size: 3)[1] }),
            ("pad", x, { $0.pad([1, 2, 0, 1]) }),
            ("pad 3-D value", x, { $0.pad([1, 0, 2, 1, 1, 1], value: 5) }),
            ("pad crop", m, { $0.pad([-1, 2, 1, -2]) }),
            ("reshape(-1)", x, { $0.reshape(-1) * Tensor.arange(24, dtype: .float64) }),
            ("flatten", x, { $0.flatten(startAxis: 1).pow(2) }),
            ("permute", x, { $0.permute([2, 0, 1]) }),
            ("transpose", x, { $0.transpose(-1, 0) }),
            ("squeeze/unsqueeze", m, { $0.unsqueeze(1).exp().squeeze(1) }),
        ]
        for (name, input, f) in unary {
            let report = try gradCheck([input]) { f($0[0]) }
            #expect(report.passed, "\(name): \(report)")
        }
        let binary: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("concat 1", { Tensor.concat([$0, $1], axis: 1) }),
            ("concat -2 thrice", { Tensor.concat([$1, $0 * 3, $1.pow(2)], axis: -2) }),
            ("concat with a slice of itself", { a, b in Tensor.concat([a, a.narrow(axis: 1, start: 0, length: 2) * b], axis: 1) }),
            ("concat 0", { a, b in Tensor.concat([a.transpose(0, 1), b.transpose(0, 1)]) }),
        ]
        for (name, f) in binary {
            let report = try gradCheck([x, y]) { f($0[0], $0[1]) }
            #expect(report.passed, "\(name): \(report)")
        }
    }

    @Test("Slice backward scatters into zeros; unused split pieces get no gradient")
    func scatterBackward() {
        let x = Tensor.zeros([4, 3], dtype: .float64)
        x.requiresGrad = true
        x[1..<3].sum().backward()
        #expect(x.grad?.doubles() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0])
        x.zeroGrad()
        (x[.all, -1] * Tensor([1, 2, 3, 4], dtype: .float64)).sum().backward()
        #expect(x.grad?.doubles() == [0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4])
        x.zeroGrad()
        x.split(size: 2)[1].sum().backward()
        #expect(x.grad?.doubles() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
        x.zeroGrad()
        x.pad([1, 1, 2, 0], value: 7).sum().backward()
        #expect(x.grad?.shape == [4, 3] && x.grad?.doubles() == Array(repeating: 1, count: 12))
        x.zeroGrad()
        let a = Tensor([1, 2], requiresGrad: true)
        let b = Tensor([3], requiresGrad: true)
        (Tensor.concat([a, b]) * Tensor([1, 10, 100])).sum().backward()
        #expect(a.grad?.floats() == [1, 10] && b.grad?.floats() == [100])
    }

    @Test("grad_fn names are PyTorch's")
    func gradFnNames() {
        let x = Tensor.ones([4, 3])
        x.requiresGrad = true
        #expect(x[1..<3].gradFnName == "SliceBackward0")
        #expect(x[2].gradFnName == "SelectBackward0")
        #expect(x[0, 1..<3].gradFnName == "SliceBackward0")
        #expect(x[1..<3, 0].gradFnName == "SelectBackward0")
        #expect(x.narrow(axis: 0, start: 1, length: 2).gradFnName == "SliceBackward0")
        #expect(x.select(axis: 1, index: -1).gradFnName == "SelectBackward0")
        #expect(Tensor.concat([x, x]).gradFnName == "CatBackward0")
        #expect(Tensor.stack([x, x]).gradFnName == "StackBackward0")
        #expect(x.split(size: 3).allSatisfy { $0.gradFnName == "SplitBackward0" })
        #expect(x.split(sizes: [1, 3]).allSatisfy { $0.gradFnName == "SplitWithSizesBackward0" })
        #expect(x.chunk(3).allSatisfy { $0.gradFnName == "SplitBackward0" })
        #expect(x.pad([1, 1]).gradFnName == "ConstantPadNdBackward0")
        let plain = Tensor.ones([4, 3])
        #expect(plain[1..<3].gradFnName == nil && Tensor.concat([plain, plain]).gradFnName == nil)
        #expect(withNoGrad { x[1].gradFnName } == nil)
    }

    @Test("Outputs keep the input dtype; concat promotes mixed dtypes")
    func dtypes() {
        for dtype in [DType.float32, .float64, .int64, .int32] {
            let x = Tensor.arange(24, dtype: dtype).reshape(2, 3, 4)
            let outs: [Tensor] = [
                x.narrow(axis: 1, start: 0, length: 2), x.select(axis: 0, index: 1), x[1], x[.all, 1..<3],
                Tensor.concat([x, x], axis: -1), Tensor.stack([x, x]), x.pad([1, 1], value: 2),
            ] + x.split(size: 2, axis: 2) + x.chunk(2, axis: 1) + x.split(sizes: [1, 1])
            for out in outs { #expect(out.dtype == dtype, "\(out.shape) is \(out.dtype), want \(dtype)") }
            #expect(x[1, 2, 3].item() == 23)
        }
        let mixed = Tensor.concat([Tensor([1, 2]), Tensor([3], dtype: .float64)])
        #expect(mixed.dtype == .float64 && mixed.doubles() == [1, 2, 3])
    }

    @Test("Slices are copies: changing the source later does not change them")
    func slicesAreCopies() {
        let x = Tensor.arange(6).reshape(2, 3)
        let row = x[0], cols = x[.all, 1...]
        x.fill(9)
        #expect(row.floats() == [0, 1, 2] && cols.floats() == [1, 2, 4, 5])
    }

    @Test("Long, short and single-element runs copy the right elements")
    func runLengths() {
        // arange values are their own flat index, so the expected slice follows from the
        // index formula; the three boxes hit the memcpy, short-run and strided-element paths.
        for dtype in [DType.float32, .float64, .int64, .int32] {
            let x = Tensor.arange(3 * 40 * 50, dtype: dtype).reshape(3, 40, 50)
            for (lo, hi) in [(2, 48), (10, 13), (7, 8)] {
                let got = x[.all, 5..<30, lo..<hi]
                var want: [Double] = []
                for i in 0..<3 { for j in 5..<30 { for k in lo..<hi { want.append(Double(i * 2000 + j * 50 + k)) } } }
                #expect(got.shape == [3, 25, hi - lo] && got.doubles() == want, "\(dtype) [:, 5:30, \(lo):\(hi)]")
            }
        }
    }

    @Test("Empty pieces and zero-size axes are handled")
    func emptyShapes() {
        let x = Tensor.arange(6).reshape(2, 3)
        #expect(x.narrow(axis: 1, start: 3, length: 0).shape == [2, 0])
        #expect(Tensor.concat([x, Tensor.zeros([2, 0])], axis: 1).floats() == x.floats())
        #expect(x.split(sizes: [0, 3], axis: 1).map(\.shape) == [[2, 0], [2, 3]])
        #expect(Tensor.zeros([0, 3]).split(size: 2).map(\.shape) == [[0, 3]])
        #expect(x.pad([-1, -2]).shape == [2, 0])
    }

    // MARK: Errors stop

    @Test("A concat of mismatched shapes stops, naming the op, the axis and the sizes")
    func concatMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concat([Tensor.ones([2, 3]), Tensor.ones([2, 4])])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("concat") && stderr.contains("Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list."), "\(stderr)")
    }

    @Test("An out-of-range index stops")
    func indexOutOfRangeStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([4, 3])[.all, 3]
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("index 3 is out of bounds for dimension 1 with size 3"), "\(stderr)")
    }
}
