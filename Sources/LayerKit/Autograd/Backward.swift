extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires grad,
    /// accumulating into their ``grad``.
    ///
    /// - Parameters:
    ///   - gradient: the seed, of this tensor's shape; omitted for a one-element output (1).
    ///   - retainGraph: keep the graph so that `backward` can run through it again.
    ///
    ///     let loss = (w * x).sum()
    ///     loss.backward()
    ///     print(w.grad!)
    public final func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        guard requiresGrad else {
            opError("backward", "element 0 of tensors does not require grad and does not have a grad_fn")
        }
        let seed: Tensor
        if let gradient {
            if gradient.shape != shape {
                opError("backward", "Mismatch in shape: grad_output[0] has a shape of \(gradient.shape) and output[0] has a shape of \(shape)")
            }
            seed = gradient.dtype == dtype ? gradient : gradient.to(dtype)
        } else {
            if count != 1 { opError("backward", "grad can be implicitly created only for scalar outputs (shape \(shape))") }
            seed = Tensor.full(shape, 1, dtype: dtype)
        }
        withNoGrad { Tensor.runBackward(from: self, seed: seed, retainGraph: retainGraph) }
    }

    /// Reverse-mode sweep: visit the graph in reverse topological order, applying each node's
    /// vector–Jacobian product and summing the gradients that meet at a tensor.
    private static func runBackward(from root: Tensor, seed: Tensor, retainGraph: Bool) {
        let order = topologicalOrder(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        for t in order.reversed() {
            guard var g = pending.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            guard let node = t.gradFn else {
                if t.leafRequiresGrad { t.accumulateGrad(taking: &g) }
                continue
            }
            guard let vjp = node.vjp else {
                opError("backward", "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward(). Specify retainGraph: true if you need to backward through the graph a second time.")
            }
            let inputGrads = vjp(g)
            for i in 0..<Swift.min(node.inputCount, inputGrads.count) {
                let input = node.input(i)
                guard let ig = inputGrads[i], input.requiresGrad else { continue }
                let key = ObjectIdentifier(input)
                if var existing = pending.removeValue(forKey: key) {
                    // Sum in place when nothing else can see the running sum's buffer.
                    if Tensor.ownsUniqueBuffer(&existing), existing.shape == ig.shape, existing.dtype == ig.dtype {
                        existing.addInPlace(ig)
                        pending[key] = existing
                    } else {
                        pending[key] = existing + ig
                    }
                } else {
                    pending[key] = ig
                }
            }
            if !retainGraph { node.release() }
        }
    }

    /// Tensors reachable from `root` through recorded nodes, each after all of its inputs.
    private static func topologicalOrder(from root: Tensor) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative post-order DFS: deep graphs (10,000 chained ops) must not overflow the stack.
        var stack: [(Tensor, Bool)] = [(root, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            if let node = t.gradFn {
                if node.isReleased {
                    opError("backward", "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Specify retainGraph: true if you need to backward through the graph a second time.")
                }
                for i in stride(from: node.inputCount - 1, through: 0, by: -1) {
                    let input = node.input(i)
                    if input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                        stack.append((input, false))
                    }
                }
            }
        }
        return order
    }

    /// Adds `g` into this leaf's `grad`, in place once a gradient exists (PyTorch accumulates),
    /// adopting `g` itself as the gradient (no copy) when the caller's
    /// reference is the only one to it and to its buffer.
    final func accumulateGrad(taking g: inout Tensor) {
        if g.dtype != dtype { g = g.to(dtype) }
        if let existing = grad, existing.shape == shape {
            existing.addInPlace(g)
        } else if g.shape == shape, g.gradFn == nil, !g.leafRequiresGrad, Tensor.ownsUniqueBuffer(&g) {
            grad = g
        } else {
            // A fresh buffer: `g` may be shared with another leaf's gradient.
            grad = g.clone()
        }
    }

    /// True when `ref` is the only reference to its tensor and that tensor's storage is
    /// referenced by no other tensor (no reshape or detach shares it).
    static func ownsUniqueBuffer(_ ref: inout Tensor) -> Bool {
        guard isKnownUniquelyReferenced(&ref) else { return false }
        return isKnownUniquelyReferenced(&ref.storage)
    }

    /// Clears the accumulated gradient (PyTorch's `grad = None`).
    public final func zeroGrad() { grad = nil }

    /// A tensor sharing this one's values, cut from the graph (never requires grad).
    public final func detach() -> Tensor {
        Tensor(storage: storage, shape: shape)
    }
}
