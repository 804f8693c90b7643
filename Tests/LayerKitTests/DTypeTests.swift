import Foundation
import Testing
@testable import LayerKit

/// Integer and boolean tensors against values PyTorch computed (Fixtures/make_dtypes.py).
@Suite("Integer and boolean dtypes")
struct DTypeTests {
    static func fixture() throws -> [String: Any] { try loadFixture("dtypes") }

    static func entry(_ key: String) throws -> [String: Any] {
        try #require(try fixture()[key] as? [String: Any], "\(key) missing from dtypes.json")
    }

    @Test("Creation from [Int], [Bool] and literals; ints(), bools(), items")
    func creation() {
        let labels = Tensor([3, 7] as [Int])
        #expect(labels.dtype == .int64 && labels.ints() == [3, 7] && labels.shape == [2])
        let mask = Tensor([true, false, true])
        #expect(mask.dtype == .bool && mask.bools() == [true, false, true])
        let literal: Tensor = [[true, false], [false, false]]
        #expect(literal.dtype == .bool && literal.shape == [2, 2])
        let floats: Tensor = [[1, 2], [3, 4]]
        #expect(floats.dtype == .float32, "a number literal stays float32")
        #expect(Tensor([1, 2, 3]).dtype == .float32, "an array literal of numbers stays float32")
        let big = Int(Int64.max) - 1
        #expect(Tensor([big] as [Int]).ints() == [big], "int64 keeps all 64 bits")
        #expect(Tensor([5] as [Int], shape: []).intItem() == 5)
        #expect(Tensor([true], shape: []).boolItem() == true)
        #expect(Tensor([2, 3] as [Int], dtype: .int32).dtype == .int32)
        #expect(Tensor.zeros([2], dtype: .int64).ints() == [0, 0] && Tensor.full([2], 9, dtype: .uint8).ints() == [9, 9])
    }

    @Test("to(_:) both ways: floats truncate toward zero, non-zero is true, integers wrap")
    func conversions() {
        let x = Tensor([-1.7, -0.5, 0, 0.5, 2.9, 300])
        #expect(x.to(.int64).ints() == [-1, 0, 0, 0, 2, 300])
        #expect(x.to(.bool).bools() == [true, true, false, true, true, true])
        #expect(x.to(.uint8).ints() == [255, 0, 0, 0, 2, 44])
        #expect(x.to(.int64).to(.float64).doubles() == [-1, 0, 0, 0, 2, 300])
        #expect(Tensor([true, false]).to(.float32).floats() == [1, 0])
        #expect(Tensor([Int(Int32.max) + 1] as [Int]).to(.int32).ints() == [Int(Int32.min)])
        #expect(Tensor([.nan, .infinity]).to(.int64).ints() == [Int(Int64.min), Int(Int64.min)])
        let w = Tensor([1.5, 2.5], requiresGrad: true)
        #expect(w.to(.int64).requiresGrad == false, "an integer result never requires grad")
    }

    @Test("Type promotion in mixed arithmetic follows torch.promote_types")
    func promotion() throws {
        let expected = try #require(try Self.fixture()["promotion"] as? [String: String])
        let labels = Tensor([3, 0] as [Int]), x = Tensor([0.5, -1])
        let mask = Tensor([true, false]), counts = Tensor([-7, 0] as [Int], dtype: .int32)
        let pixels = Tensor([0, 17] as [Int], dtype: .uint8)
        let got: [String: DType] = [
            "int64+float32": (labels + x).dtype, "int64*2": (labels * 2).dtype, "int64/2": (labels / 2).dtype,
            "bool+bool": (mask + mask).dtype, "int32+int64": (counts + labels).dtype,
            "uint8+int32": (pixels + counts).dtype, "sum(bool)": mask.sum().dtype, "int64*0.5": (labels * 0.5).dtype,
        ]
        for (key, dtype) in got { #expect(dtype.description == expected[key], "\(key)") }
        #expect((labels + x).floats() == [3.5, -1])
        #expect((labels * 2 + 1).ints() == [7, 1])
        #expect((labels / 2).floats() == [1.5, 0])
        #expect((mask + mask).bools() == [true, false])
        #expect(Tensor([true, true, false]).sum().intItem() == 2)
        #expect((labels - Tensor([5, 5] as [Int])).ints() == [-2, -5])
        #expect(Tensor([-3, 4] as [Int]).abs().ints() == [3, 4] && Tensor([-3, 4] as [Int]).relu().ints() == [0, 4])
        #expect(Tensor([1, 4] as [Int]).sqrt().dtype == .float32, "float math promotes integers to float32")
        #expect(Tensor([4, 9, 2] as [Int]).max().intItem() == 9 && Tensor([4, 9, 2] as [Int]).min().intItem() == 2)
        #expect(Tensor([true, false, true, true]).mean().item() == 0.75, "an integer mean averages in float32")
    }

    @Test("Comparisons return bool masks; where takes a bool mask")
    func masks() throws {
        let a = Tensor([1, 5, 3]), b = Tensor([2, 5, 1])
        #expect((a .< b).dtype == .bool && (a .< b).bools() == [true, false, false])
        #expect((a .== b).bools() == [false, true, false])
        let ids = Tensor([0, 2, 4] as [Int])
        #expect((ids .>= 2).dtype == .bool && (ids .>= 2).bools() == [false, true, true])
        #expect((ids .< 2.5).bools() == [true, true, false], "a fractional scalar compares exactly")
        let picked = Tensor.where(a .> b, a, b * 10)
        #expect(picked.floats() == [20, 50, 3])
        let whereInts = Tensor.where(Tensor([true, false, true]), ids, Tensor([-1] as [Int]))
        #expect(whereInts.dtype == .int64 && whereInts.ints() == [0, -1, 4])
        let report = try gradCheck([randomInput([2, 3], seed: 4), randomInput([3], seed: 5)]) {
            Tensor.where($0[0] .> 0, $0[0] * $0[1], $0[1])
        }
        #expect(report.passed, "\(report)")
    }

    @Test("A mask from PyTorch loads as bool and selects the same rows")
    func boolMaskFixture() throws {
        let tensors = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureFile("dt_torch")))
        let mask = try #require(tensors["mask"]), x = try #require(tensors["X"])
        let expected = try fixtureTensor(try Self.entry("torch")["mask"] as Any)
        #expect(mask.dtype == .bool && mask.doubles() == expected.doubles())
        #expect((x[.all, 0] .> 0).bools() == mask.bools(), "the mask PyTorch computed, recomputed here")
    }

    @Test("argmax and argmin return int64, first index on ties")
    func argExtrema() throws {
        let fixture = try Self.fixture()
        let m = Tensor([1, 5, 5, -2, -7, 0.5], shape: [2, 3])
        #expect(m.argmax(axis: 1).dtype == .int64)
        #expect(m.argmax(axis: 1).ints() == fixture["argmax1"] as? [Int])
        #expect(m.argmin(axis: 0).ints() == fixture["argmin0"] as? [Int])
        #expect(m.argmax().intItem() == fixture["argmax_flat"] as? Int)
    }

    @Test("Integer and bool tensors print as PyTorch prints them")
    func printing() throws {
        let printed = try #require(try Self.fixture()["printed"] as? [String: String])
        #expect(Tensor([3, 7] as [Int]).description == printed["ints"])
        #expect(Tensor([10, -3, 0, 4] as [Int], shape: [2, 2]).description == printed["neg"])
        #expect(Tensor([true, false]).description == printed["bools"])
        #expect(Tensor([1, 2] as [Int], dtype: .int32).description == printed["int32"])
        #expect(Tensor([1, 2] as [Int], dtype: .uint8).description == printed["uint8"])
        #expect(Tensor([5] as [Int], shape: []).description == printed["scalar"])
        #expect(Tensor([true], shape: []).description == printed["bool_scalar"])
        #expect(Tensor([] as [Int]).description == printed["empty"])
        #expect(Tensor.zeros([2, 0], dtype: .bool).description == printed["empty_bool"])
        #expect(Tensor(Array(0..<2000)).description == printed["long"])
    }

    @Test("Safetensors from PyTorch: int64 labels, bool, int32, uint8, full 64-bit ints, C64 as pairs")
    func torchFile() throws {
        let fixture = try Self.entry("torch")
        let tensors = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureFile("dt_torch")))
        let dtypes: [String: DType] = ["X": .float32, "labels": .int64, "mask": .bool, "counts": .int32,
                                       "pixels": .uint8, "big": .int64, "spectral": .float32]
        for (name, dtype) in dtypes {
            let t = try #require(tensors[name], "\(name) missing")
            let expected = try fixtureTensor(fixture[name] as Any)
            #expect(t.dtype == dtype, "\(name)")
            #expect(t.shape == expected.shape, "\(name)")
            // float32 values compare as float32 (the fixture's JSON holds their shortest decimal).
            if name != "big" { #expect(t.floats() == expected.floats(), "\(name)") }
        }
        #expect(tensors["big"]?.ints() == (try Self.fixture()["big_ints"] as? [Int]))
        #expect(tensors["counts"]?.ints() == (try Self.fixture()["counts_ints"] as? [Int]))
        #expect(tensors["spectral"]?.shape == [2, 3, 2], "C64 [2, 3] reads as view_as_real [2, 3, 2]")
    }

    @Test("Integers, bools and complex pairs round-trip through our own files; C64 comes back")
    func ownRoundTrip() throws {
        let pairs = Tensor.randn([2, 3, 2], generator: Generator(seed: 3))
        let pairs64 = Tensor.randn([4, 2], dtype: .float64, generator: Generator(seed: 4))
        let tensors: [(String, Tensor)] = [
            ("ids", Tensor([Int(Int64.min), -1, 0, Int(Int64.max)] as [Int])), ("mask", Tensor([true, false, true])),
            ("i32", Tensor([-5, 5] as [Int], dtype: .int32)), ("u8", Tensor([0, 255] as [Int], dtype: .uint8)),
            ("w", pairs), ("w64", pairs64),
        ]
        let data = try Safetensors.encode(tensors, complex: ["w", "w64"])
        let header = String(decoding: data[8..<(8 + Int(data[0]) + 256 * Int(data[1]))], as: UTF8.self)
        #expect(header.contains(#""w":{"dtype":"C64","shape":[2,3]"#) && header.contains(#""w64":{"dtype":"C128","shape":[4]"#))
        #expect(header.contains(#""ids":{"dtype":"I64""#) && header.contains(#""mask":{"dtype":"BOOL""#))
        let back = try Safetensors.decode(data)
        for ((name, t), (name2, u)) in zip(tensors, back) {
            #expect(name == name2 && t.dtype == u.dtype && t.shape == u.shape, "\(name)")
            #expect(t.dtype.isFloatingPoint ? t.doubles() == u.doubles() : t.ints() == u.ints(), "\(name)")
        }
        #expect(throws: SafetensorsError.notComplex(tensor: "x", shape: [3], dtype: "float32")) {
            try Safetensors.encode([("x", Tensor([1, 2, 3]))], complex: ["x"])
        }
    }

    @Test("crossEntropy takes the int64 labels of a PyTorch file, values and gradient as PyTorch")
    func crossEntropyInt64() throws {
        let fixture = try Self.entry("cross_entropy")
        let logits = try fixtureTensor(fixture["logits"])
        logits.requiresGrad = true
        // The labels as PyTorch wrote them (int64), straight from the file.
        let file = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureFile("dt_torch")))
        let labels = try #require(file["labels"])
        #expect(labels.dtype == .int64 && labels.ints() == [3, 0, 2, 1, 3, 2])
        let loss = crossEntropy(logits, target: labels)
        let expected = try #require(fixture["loss"] as? Double)
        #expect(Swift.abs(loss.item() - expected) < 1e-12)
        loss.backward()
        #expect(allClose(try #require(logits.grad), try fixtureTensor(fixture["grad"]), rtol: 1e-10, atol: 1e-12))
        let floatTargets = crossEntropy(logits.detach(), target: labels.to(.float32))
        #expect(Swift.abs(floatTargets.item() - expected) < 1e-12, "whole-number float indices keep working")
        let report = try gradCheck([randomInput([4, 5], seed: 8)]) {
            crossEntropy($0[0], target: Tensor([4, 0, 2, 2] as [Int]), labelSmoothing: 0.1)
        }
        #expect(report.passed, "\(report)")
    }

    @Test("Embedding: lookup and weight gradient match PyTorch; gradCheck in float64")
    func embedding() throws {
        let fixture = try Self.entry("embedding")
        let embed = Embedding(5, 3, dtype: .float64, generator: Generator(seed: 1))
        #expect(embed.namedParameters().map(\.0) == ["weight"] && embed.weight.shape == [5, 3])
        #expect(embed.description == "Embedding(5, 3)")
        try embed.loadStateDict(["weight": try fixtureTensor(fixture["weight"])])
        let ids = Tensor(try #require(fixture["ids"] as? [Int]), shape: try #require(fixture["ids_shape"] as? [Int]))
        let y = embed(ids)
        #expect(allClose(y, try fixtureTensor(fixture["output"]), rtol: 0, atol: 0))
        (y * (try fixtureTensor(fixture["seed"]))).sum().backward()
        #expect(allClose(try #require(embed.weight.grad), try fixtureTensor(fixture["grad"]), rtol: 1e-12, atol: 1e-12))
        let report = try gradCheck([randomInput([5, 3], seed: 2)]) { t in
            (t[0].indexSelect(axis: 0, index: Tensor([1, 4, 1, 0] as [Int])) * 2).sum(axis: 0)
        }
        #expect(report.passed, "\(report)")
        let draws = Embedding(4, 2, generator: Generator(seed: 7)).weight.doubles()
        #expect(draws == Tensor.randn([4, 2], generator: Generator(seed: 7)).doubles(), "N(0, 1) init, as PyTorch")
    }

    @Test("gather along an axis by int64 indices, and its scatter-add backward")
    func gather() throws {
        let fixture = try Self.entry("gather")
        let src = try fixtureTensor(fixture["src"])
        src.requiresGrad = true
        let index = Tensor(try #require(fixture["index"] as? [Int]), shape: [3, 2])
        let g = src.gather(axis: 1, index: index)
        #expect(allClose(g, try fixtureTensor(fixture["output"]), rtol: 0, atol: 0))
        g.backward(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: .float64))
        #expect(allClose(try #require(src.grad), try fixtureTensor(fixture["grad"]), rtol: 0, atol: 0))
        let report = try gradCheck([randomInput([3, 4], seed: 3)]) { $0[0].gather(axis: 0, index: Tensor([2, 0, 0, 1] as [Int], shape: [1, 4])) }
        #expect(report.passed, "\(report)")
        #expect(Tensor([7, 8, 9] as [Int]).indexSelect(axis: 0, index: Tensor([2, -3] as [Int])).ints() == [9, 7])
    }

    @Test("A PyTorch BatchNorm state dict with an int64 num_batches_tracked loads; to(.float64) keeps it int64")
    func numBatchesTracked() throws {
        final class Norm: Module {
            var weight = Parameter(Tensor.ones([3]))
            var bias = Parameter(Tensor.zeros([3]))
            override init() {
                super.init()
                registerBuffer(Tensor.zeros([3]), named: "running_mean")
                registerBuffer(Tensor.ones([3]), named: "running_var")
                registerBuffer(Tensor([0] as [Int], shape: []), named: "num_batches_tracked")
            }
        }
        let state = try Safetensors.load(from: try fixtureFile("dt_state"))
        let norm = Norm()
        try norm.loadStateDict(state)
        let tracked = try #require(norm.buffer("num_batches_tracked"))
        #expect(tracked.dtype == .int64 && tracked.intItem() == 2)
        let expected = try Self.entry("state")
        #expect(norm.buffer("running_var")?.floats() == (try fixtureTensor(expected["running_var"])).floats())
        norm.to(.float64)
        #expect(norm.weight.dtype == .float64 && norm.buffer("running_mean")?.dtype == .float64)
        #expect(norm.buffer("num_batches_tracked")?.dtype == .int64, "integer buffers keep their dtype")
        let saved = Dictionary(uniqueKeysWithValues: try Safetensors.decode(try Safetensors.encode(norm.stateDict())))
        #expect(saved["num_batches_tracked"]?.dtype == .int64 && saved["num_batches_tracked"]?.intItem() == 2)
    }

    @Test("No gradient flows into an integer tensor; mixing one in still differentiates the float input")
    func noIntegerGradient() throws {
        let w = Tensor([0.5, -1, 2], dtype: .float64, requiresGrad: true)
        let counts = Tensor([1, 2, 3] as [Int])
        let y = (w * counts).sum()
        y.backward()
        #expect(w.grad?.doubles() == [1, 2, 3] && counts.grad == nil && !counts.requiresGrad)
        #expect(y.dtype == .float64)
    }

    // MARK: Python's safetensors, both directions

    @Test("int64 and bool round-trip with Python's safetensors in both directions",
          .enabled(if: SafetensorsTests.pythonHasSafetensors, "needs python3 with numpy and safetensors"))
    func pythonRoundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.safetensors")
        let theirs = directory.appendingPathComponent("theirs.safetensors")
        let ids = Tensor([Int(Int64.min), -2, 0, 9_007_199_254_740_993, Int(Int64.max)] as [Int], shape: [5])
        let mask = Tensor([true, false, false, true], shape: [2, 2])
        try Safetensors.save([("ids", ids), ("mask", mask)], to: ours)
        let script = """
            import sys, json
            import numpy as np
            from safetensors.numpy import load_file, save_file
            t = load_file(sys.argv[1])
            save_file({"ids2": t["ids"] * 2 // 2 - 1, "mask2": ~t["mask"]}, sys.argv[2])
            print(json.dumps({k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": [int(x) for x in v.reshape(-1)]}
                              for k, v in t.items()}))
            """
        let result = try runPython(["-c", script, ours.path, theirs.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let read = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]])
        #expect(read["ids"]?["dtype"] as? String == "int64" && read["ids"]?["values"] as? [Int] == ids.ints())
        #expect(read["mask"]?["dtype"] as? String == "bool" && read["mask"]?["shape"] as? [Int] == [2, 2])
        #expect(read["mask"]?["values"] as? [Int] == [1, 0, 0, 1])
        let back = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: theirs))
        #expect(back["ids2"]?.dtype == .int64 && back["ids2"]?.ints() == ids.ints().map { $0 &* 2 / 2 - 1 })
        #expect(back["mask2"]?.dtype == .bool && back["mask2"]?.bools() == [false, true, true, false])
    }

    @Test("requiresGrad on an integer tensor stops with PyTorch's message")
    func integerRequiresGrad() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor([1, 2] as [Int]).requiresGrad = true
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("only Tensors of floating point dtype can require gradients"), "\(stderr)")
    }

    @Test("A Parameter of an integer tensor stops with PyTorch's message")
    func integerParameter() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Parameter(Tensor([1, 2] as [Int]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("only Tensors of floating point dtype can require gradients"), "\(stderr)")
    }

    @Test("Fractional float class indices stop with a message saying to use int64")
    func fractionalTargets() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(Tensor.zeros([2, 4]), target: Tensor([0.5, 1]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("int64"), "\(stderr)")
    }
}

/// Messages fixed after a reading of the code (issue 12).
@Suite("Error messages name the right op and dimension")
struct MessageFixTests {
    @Test("min of an empty tensor says min, not max")
    func minSaysMin() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([0]).min()
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("LayerKit.min:") && !stderr.contains("max"), "\(stderr)")
    }

    @Test("A ragged nested literal names the dimension where lengths differ")
    func raggedLiteralDimension() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let _: Tensor = [[[1, 2], [3, 4]], [[5, 6], [7, 8, 9]]]
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("expected sequence of length 2 at dim 2 (got 3)"), "\(stderr)")
    }
}

@Suite("Empty literals stay float32")
struct EmptyLiteralTests {
    @Test("Tensor([]) is an empty float32 tensor, not ambiguous with [Int] or [Bool]")
    func emptyLiteral() {
        let t = Tensor([])
        #expect(t.dtype == .float32 && t.shape == [0])
    }
}

/// `pow` and `clamp` on integer tensors, against PyTorch (Fixtures/make_dtypes.py).
@Suite("Integer pow and clamp")
struct IntegerMathTests {
    @Test("pow and clamp keep integer dtypes and wrap as PyTorch; fractional operands promote to float32")
    func integerPowAndClamp() throws {
        let fixture = try DTypeTests.fixture()
        let expected = try #require(fixture["integer_math"] as? [String: [String: Any]])
        let base = Tensor(try #require(fixture["integer_math_base"] as? [Int]))
        let exps = Tensor(try #require(fixture["integer_math_exps"] as? [Int]))
        let got: [String: Tensor] = [
            "pow2": base.pow(2), "pow3": base.pow(3), "pow0": base.pow(0), "pow1": base.pow(1),
            "pow_tensor": base.pow(exps), "pow_neg_tensor": base.pow(Tensor.full([8], -1, dtype: .int64)),
            "pow_uint8": Tensor([2, 3, 16] as [Int], dtype: .uint8).pow(9),
            "pow_int32": Tensor([3, -2, 46341] as [Int], dtype: .int32).pow(2),
            "pow_bool": Tensor([true, false]).pow(2), "pow_half": Tensor([0, 1, 4, 7] as [Int]).pow(0.5),
            "clamp": base.clamp(min: -2, max: 3), "clamp_min": base.clamp(min: 0), "clamp_max": base.clamp(max: 1),
            "clamp_frac": base.clamp(min: 0.5), "clamp_uint8": Tensor([0, 17, 255] as [Int], dtype: .uint8).clamp(min: 10, max: 200),
            "clamp_bool": Tensor([true, false]).clamp(min: 0, max: 1),
        ]
        #expect(Set(got.keys) == Set(expected.keys), "every PyTorch case is checked")
        for (key, tensor) in got {
            let entry = try #require(expected[key])
            let dtype = try #require(entry["dtype"] as? String), data = try #require(entry["data"] as? [Double])
            #expect(tensor.dtype.description == dtype, "\(key): \(tensor.dtype) against \(dtype)")
            if tensor.dtype.isFloatingPoint {
                #expect(zip(tensor.doubles(), data).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(key)")
            } else {
                #expect(tensor.ints() == data.map { Int($0) }, "\(key): \(tensor.ints()) against \(data)")
            }
        }
    }

    @Test("An integer tensor to a negative whole power stops with PyTorch's message")
    func negativeIntegerPower() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([2, 3] as [Int]).pow(-1)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("pow") && stderr.contains("Integers to negative integer powers are not allowed."), "\(stderr)")
    }
}
