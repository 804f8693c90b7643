/// Runs `body(group, lo, hi)` for `groups` contiguous, near-equal ranges of `0..<n`, on
/// separate threads when `groups > 1` (``KernelStrategy/productGroups(_:unitCost:)`` picks it).
func forEachProductGroup(_ n: Int, groups: Int, _ body: (Int, Int, Int) -> Void) {
    if groups <= 1 {
        body(0, 0, n)
        return
    }
    parallelTasks(groups) { (g: Int) in body(g, g * n / groups, (g + 1) * n / groups) }
}
