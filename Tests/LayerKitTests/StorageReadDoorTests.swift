import Foundation
import Testing
@testable import LayerKit

/// Ops that only read a tensor go through `Storage`'s read door, so a value derived from its
/// buffer (the tensor reduction's folded weight) survives them; every write still drops it.
@Suite("Storage read door")
struct StorageReadDoorTests {
    let key = DerivedKey("test.readDoor", [])

    /// A tensor whose buffer holds a derived value.
    func marked(_ shape: [Int], dtype: DType = .float32, seed: UInt64) -> Tensor {
        let t = Tensor.randn(shape, dtype: dtype, generator: Generator(seed: seed))
        _ = t.storage.derived(key) { $0.copy() }
        return t
    }

    @Test("Reading ops keep a buffer's derived value", arguments: [DType.float32, .float64])
    func readsKeepDerived(dtype: DType) throws {
        let w = marked([4, 6], dtype: dtype, seed: 1)
        let other = Tensor.randn([4, 6], dtype: dtype, generator: Generator(seed: 2))
        let reads: [(String, () throws -> Any)] = [
            ("sum", { w.sum() }), ("mean over an axis", { w.mean(axis: 0) }),
            ("unary map", { w.exp() }), ("relu", { w.relu() }),
            ("binary op", { w + other }), ("broadcast op", { w * Tensor.ones([6], dtype: dtype) }),
            ("scalar op", { w - 1 }), ("matmul", { w.matmul(other.transpose(0, 1)) }),
            ("batched matmul", { w.reshape([2, 2, 6]).matmul(other.reshape([2, 6, 2])) }),
            ("clone", { w.clone() }), ("transpose", { w.transpose(0, 1) }),
            ("narrow", { w.narrow(axis: 1, start: 1, length: 3) }),
            ("dtype conversion", { w.to(dtype == .float32 ? .float64 : .float32) }),
            ("where", { Tensor.where(w .> 0, w, other) }),
            ("mse loss", { mseLoss(w, other) }),
            ("values out", { w.doubles() }),
            ("safetensors encode", { try Safetensors.encode([("w", w)]) }),
        ]
        for (what, read) in reads {
            _ = try read()
            #expect(w.storage.hasDerived(key), "\(what) dropped the derived value")
        }
    }

    @Test("Writes drop a buffer's derived value: in-place ops, an optimiser step, copy(from:), fill")
    func writesDropDerived() {
        let writes: [(String, (Tensor) -> Void)] = [
            ("in-place add", { w in withNoGrad { w.addInPlace(Tensor.ones([3])) } }),
            ("SGD step", { w in
                let p = Parameter(w)
                p.grad = Tensor.ones(w.shape)
                SGD([p], lr: 0.1).step()
            }),
            ("copy(from:)", { w in withNoGrad { w.copy(from: Tensor.zeros(w.shape)) } }),
            ("fill", { w in withNoGrad { w.fill(2) } }),
        ]
        for (what, write) in writes {
            let w = marked([2, 3], seed: 3)
            write(w)
            #expect(!w.storage.hasDerived(key), "\(what) kept the derived value")
        }
    }
}
