// Attack: terminal escape sequences in what it prints (clear the screen, set the window
// title, write "PASS" in green), to disguise its report.
// Expected: shown escaped, as \u{1B}…; the layer (the identity) fails `values`.
// verdict: fail values
import LayerKit

func disguise() -> Module {
    print("\u{1B}[2J\u{1B}]0;all tests passed\u{07}\u{1B}[32m✔ values PASS\u{1B}[0m\r\u{202E}ssap")
    return Identity()
}

let answer = disguise
