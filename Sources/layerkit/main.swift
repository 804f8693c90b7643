import LayerKit
let x = Tensor([1, 2, 3, 4, 5])
let y = x - x.mean()
print(y.floats())
let f: [Float] = [1, 2]
print(Tensor(f).doubles())
let w = Tensor.randn([3, 4], dtype: .float64)
w.requiresGrad = true
let a = Tensor.randn([2, 3], dtype: .float64)
let l = (a.matmul(w).relu() * 2 + 1).exp().sum()
l.backward()
print(w.grad!.shape, l.gradFnName ?? "")
let m: Tensor = [[1, 2], [3, 4]]
print(m.shape, m.T.floats(), m.sum(axis: 0).floats(), m.max().item(), m.logSumExp(axis: 1).floats())
