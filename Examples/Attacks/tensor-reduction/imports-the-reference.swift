// Attack: hand in LayerKit's own reference solution instead of writing the layer.
// Expected: fails `compiles` — the Exercises module is not visible to answers.
// verdict: fail compiles — `import Exercises` is not available to answers
import LayerKit
import Exercises

let answer = TensorReduction.init
