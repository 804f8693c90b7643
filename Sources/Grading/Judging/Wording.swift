/// A reason's words for a PyTorch answer. The checks word their hints in LayerKit's Swift
/// API (`addModule`, a `Parameter` property, `stateDict()`); a learner writing PyTorch is told
/// the same thing in torch's names. The maths of every reason is the same in both languages;
/// only these phrases differ, so they live in one table rather than in every check.
enum PyTorchWording {
    /// Swift phrase → PyTorch phrase, longest first where one contains another.
    static let phrases: [(swift: String, pytorch: String)] = [
        ("(addModule(block, named: String(i)), PyTorch's add_module)", "(self.add_module(str(i), block))"),
        ("(addModule(block, named: String(i)))", "(self.add_module(str(i), block))"),
        ("register each block with addModule(block, named: String(index))",
         "register each block with self.add_module(str(i), block) (a plain Python list is invisible to nn.Module; nn.ModuleList is not)"),
        ("by addModule", "by add_module"),
        ("keep only the addModule registration (iterate children() in forward)", "keep only the add_module registration (iterate self.children() in forward)"),
        ("a stored [Module] array, a ModuleList or a Sequential", "an nn.ModuleList or an nn.Sequential attribute"),
        ("keep every weight in a Parameter property (or registerBuffer)", "keep every weight in an nn.Parameter attribute (or register_buffer)"),
        ("in a Parameter property", "in an nn.Parameter attribute"),
        ("both Parameter properties", "both nn.Parameter attributes"),
        ("in Parameter properties", "in nn.Parameter attributes"),
        ("store net1 and net2 in Module properties", "assign net1 and net2 to attributes (self.net1 = net1)"),
        ("(a Tensor made without dtype: is float32; use dtype: x.dtype, no .to(.float32))",
         "(torch.tensor(...) and torch.randn(...) without dtype= are float32; use dtype=x.dtype, no .float())"),
        ("no Parameter found", "no nn.Parameter found"),
        ("stateDict()", "state_dict()"),
        ("parameters(), stateDict() and optimisers", "parameters(), state_dict() and optimisers"),
    ]

    /// `text` with each Swift phrase replaced by its PyTorch one.
    static func apply(_ text: String) -> String {
        phrases.reduce(text) { $0.replacingOccurrences(of: $1.swift, with: $1.pytorch) }
    }
}

extension CriterionResult {
    /// This result worded for a PyTorch answer.
    var inPyTorchWords: CriterionResult {
        var result = self
        result.figure = PyTorchWording.apply(figure)
        result.reason = reason.map(PyTorchWording.apply)
        return result
    }
}
