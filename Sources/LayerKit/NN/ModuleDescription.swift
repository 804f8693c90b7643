// Printing a module tree the way PyTorch's `Module.__repr__` does.

extension Module {
    /// `Name(extra)` for a leaf; otherwise `Name(` then the extra lines and one
    /// `(name): child` line per child, indented by two spaces per level, then `)`.
    final func treeDescription() -> String {
        let extra = extraDescription
        let extraLines = extra.isEmpty ? [] : extra.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let childLines = namedChildrenForPrinting().map { name, child in
            Module.indentTail("(\(name)): \(child.description)", by: 2)
        }
        return Module.assemble(typeName, extraLines: extraLines, childLines: childLines)
    }

    /// Every child under every name it is registered by (PyTorch prints a module shared
    /// twice inside one parent twice, as `_modules` holds both entries).
    final func namedChildrenForPrinting() -> [(String, Module)] {
        ownMembers().modules.map { ($0.name, $0.value) }
    }

    static func assemble(_ name: String, extraLines: [String], childLines: [String]) -> String {
        let lines = extraLines + childLines
        var s = name + "("
        if extraLines.count == 1 && childLines.isEmpty {
            s += extraLines[0]
        } else if !lines.isEmpty {
            s += "\n  " + lines.joined(separator: "\n  ") + "\n"
        }
        return s + ")"
    }

    /// Indents every line but the first (PyTorch's `_addindent`).
    static func indentTail(_ s: String, by spaces: Int) -> String {
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 1 else { return s }
        let pad = String(repeating: " ", count: spaces)
        return ([String(lines[0])] + lines.dropFirst().map { pad + $0 }).joined(separator: "\n")
    }
}
