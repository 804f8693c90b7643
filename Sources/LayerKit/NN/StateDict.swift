import Foundation

/// Why `Module.loadStateDict(_:strict:)` refused a state dict, worded as PyTorch's
/// `load_state_dict` error:
///
///     Error(s) in loading state_dict for Sequential:
///     	Missing key(s) in state_dict: "0.bias".
///     	Unexpected key(s) in state_dict: "1.weight", "extra".
///     	size mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, the shape in current model is [2, 4].
///
/// (PyTorch spells shapes `torch.Size([3, 4])`; here they are `[3, 4]`.)
public struct StateDictError: Error, CustomStringConvertible, LocalizedError {
    /// One entry whose shape differs between the checkpoint and the model.
    public struct SizeMismatch: Sendable, Equatable {
        /// The dotted name.
        public var key: String
        /// The shape in the state dict being loaded.
        public var checkpointShape: [Int]
        /// The shape in the model (`-1` for an axis a lazy layer has not fixed yet).
        public var modelShape: [Int]
    }

    /// The class name of the module loaded into.
    public var moduleName: String
    /// The model's keys the state dict lacks (reported when loading strictly).
    public var missingKeys: [String]
    /// The state dict's keys the model lacks (reported when loading strictly).
    public var unexpectedKeys: [String]
    /// Entries present in both with different shapes (always reported).
    public var sizeMismatches: [SizeMismatch]
    /// Keys that appear more than once in the state dict given as a list.
    public var duplicateKeys: [String] = []

    /// The lines after the header, PyTorch's `error_msgs`.
    public var messages: [String] {
        var lines: [String] = []
        func quoted(_ keys: [String]) -> String { keys.map { "\"\($0)\"" }.joined(separator: ", ") }
        if !missingKeys.isEmpty { lines.append("Missing key(s) in state_dict: \(quoted(missingKeys)). ") }
        if !unexpectedKeys.isEmpty { lines.append("Unexpected key(s) in state_dict: \(quoted(unexpectedKeys)). ") }
        if !duplicateKeys.isEmpty { lines.append("Duplicate key(s) in state_dict: \(quoted(duplicateKeys)). ") }
        for m in sizeMismatches {
            lines.append("size mismatch for \(m.key): copying a param with shape \(m.checkpointShape) from checkpoint, the shape in current model is \(m.modelShape).")
        }
        return lines
    }

    /// The full message.
    public var description: String {
        "Error(s) in loading state_dict for \(moduleName):\n\t" + messages.joined(separator: "\n\t")
    }

    /// The full message, for `localizedDescription`.
    public var errorDescription: String? { description }
}

/// The keys that did not line up in a non-strict `Module.loadStateDict(_:strict:)`
/// (PyTorch's `_IncompatibleKeys`).
public struct IncompatibleKeys: Sendable, Equatable, CustomStringConvertible {
    /// The model's keys the state dict lacked (left unchanged).
    public var missingKeys: [String]
    /// The state dict's keys the model lacks (ignored).
    public var unexpectedKeys: [String]

    /// `<All keys matched successfully>` or the two lists.
    public var description: String {
        missingKeys.isEmpty && unexpectedKeys.isEmpty ? "<All keys matched successfully>"
            : "IncompatibleKeys(missingKeys: \(missingKeys), unexpectedKeys: \(unexpectedKeys))"
    }
}

extension Module {
    /// One entry of the state: the owning module, its local name, and the tensor.
    private struct StateEntry {
        var key: String
        var tensor: Tensor
    }

    /// Parameters then persistent buffers of every module, recursively, in registration
    /// order, with dotted names. A module or parameter reachable under several names is listed
    /// under each, as PyTorch's `state_dict` does.
    private func stateEntries(prefix: String = "", into entries: inout [StateEntry], path: inout Set<ObjectIdentifier>) {
        // A module that contains itself would recurse forever; PyTorch would too, but stop.
        guard path.insert(ObjectIdentifier(self)).inserted else { return }
        defer { path.remove(ObjectIdentifier(self)) }
        let members = ownMembers()
        for (name, p) in members.parameters { entries.append(StateEntry(key: Module.join(prefix, name), tensor: p)) }
        for b in registeredBuffers where b.persistent { entries.append(StateEntry(key: Module.join(prefix, b.name), tensor: b.value)) }
        for (name, child) in members.modules { child.stateEntries(prefix: Module.join(prefix, name), into: &entries, path: &path) }
    }

    private func allStateEntries() -> [StateEntry] {
        var entries: [StateEntry] = []
        var path = Set<ObjectIdentifier>()
        stateEntries(into: &entries, path: &path)
        return entries
    }

    /// The module's state: every parameter and persistent buffer under its dotted name, in
    /// PyTorch's order (each module's parameters, then its buffers, then its children's).
    /// The tensors share the model's buffers but are cut from the graph (PyTorch's
    /// `state_dict()`, `keep_vars=False`): writing into them writes into the model.
    ///
    ///     net.stateDict().map(\.0)     // ["0.weight", "0.bias", "2.weight", "2.bias"]
    ///
    /// Stops if a parameter is still uninitialised (a lazy layer before its first call).
    public final func stateDict() -> [(String, Tensor)] {
        allStateEntries().map { entry in
            (entry.tensor as? Parameter)?.requireInitialized("stateDict", name: entry.key)
            return (entry.key, entry.tensor.detach())
        }
    }

    /// Copies a state dict's values into this module's parameters and buffers, in place (the
    /// `Parameter` objects stay the same; values are converted to each one's dtype).
    ///
    /// Everything is checked before anything is written: if the load fails, the model is
    /// unchanged (PyTorch may have copied some tensors by then). An uninitialised parameter of
    /// a lazy layer takes the checkpoint's shape.
    ///
    /// - Parameters:
    ///   - stateDict: names and tensors, as ``stateDict()`` or ``Safetensors/load(from:skipUnsupported:)`` lists them.
    ///   - strict: when true (the default) every key must match both ways; when
    ///     false, missing keys are left alone and unexpected keys ignored, and the two lists
    ///     are returned. Shape mismatches throw either way, as in PyTorch.
    /// - Throws: ``StateDictError`` naming the missing keys, the unexpected keys and each size
    ///   mismatch with both shapes.
    @discardableResult
    public final func loadStateDict(_ stateDict: [(String, Tensor)], strict: Bool = true) throws -> IncompatibleKeys {
        var lookup: [String: Tensor] = [:]
        var order: [String] = []
        var duplicates: [String] = []
        for (key, tensor) in stateDict {
            if lookup.updateValue(tensor, forKey: key) == nil { order.append(key) } else if !duplicates.contains(key) { duplicates.append(key) }
        }
        return try load(lookup, order: order, duplicates: duplicates, strict: strict)
    }

    /// `loadStateDict(_:strict:)` from a dictionary (unexpected keys are then reported in
    /// sorted order).
    @discardableResult
    public final func loadStateDict(_ stateDict: [String: Tensor], strict: Bool = true) throws -> IncompatibleKeys {
        try load(stateDict, order: stateDict.keys.sorted(), duplicates: [], strict: strict)
    }

    private func load(_ lookup: [String: Tensor], order: [String], duplicates: [String], strict: Bool) throws -> IncompatibleKeys {
        let entries = allStateEntries()
        let modelKeys = Set(entries.map(\.key))
        var missing: [String] = []
        var mismatches: [StateDictError.SizeMismatch] = []
        var plan: [(target: Tensor, source: Tensor)] = []
        var planned = Set<ObjectIdentifier>()
        for entry in entries {
            guard let source = lookup[entry.key] else {
                missing.append(entry.key)
                continue
            }
            if let p = entry.tensor as? Parameter, !p.isInitialized {
                if let expected = p.expectedShape, !Module.shape(source.shape, fits: expected) {
                    mismatches.append(.init(key: entry.key, checkpointShape: source.shape, modelShape: expected))
                    continue
                }
            } else if source.shape != entry.tensor.shape {
                mismatches.append(.init(key: entry.key, checkpointShape: source.shape, modelShape: entry.tensor.shape))
                continue
            }
            // A parameter shared under two names is written once, from its first name.
            if planned.insert(ObjectIdentifier(entry.tensor)).inserted { plan.append((entry.tensor, source)) }
        }
        let unexpected = order.filter { !modelKeys.contains($0) }
        let failed = !mismatches.isEmpty || !duplicates.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty))
        if failed {
            throw StateDictError(
                moduleName: typeName, missingKeys: strict ? missing : [], unexpectedKeys: strict ? unexpected : [],
                sizeMismatches: mismatches, duplicateKeys: duplicates)
        }
        withNoGrad {
            for (target, source) in plan {
                if let p = target as? Parameter, !p.isInitialized {
                    p.materialize(source.shape)
                }
                target.copy(from: source)
            }
        }
        return IncompatibleKeys(missingKeys: missing, unexpectedKeys: unexpected)
    }

    /// Whether `shape` matches `pattern`, where `-1` matches any size.
    private static func shape(_ shape: [Int], fits pattern: [Int]) -> Bool {
        shape.count == pattern.count && zip(shape, pattern).allSatisfy { $1 == -1 || $0 == $1 }
    }
}
