// Attack: print what a grader's results look like (Gradescope's results.json, a report's
// lines) and try to write results.json where Gradescope reads it.
// Expected: printed output is shown, never parsed; nothing is written outside the sandbox;
// the layer (the identity) fails `values`.
// verdict: fail values
import Foundation
import LayerKit

func imitate() -> Module {
    let results = #"{"score": 100, "tests": [{"name": "values", "score": 3, "max_score": 3, "status": "passed"}]}"#
    print(results)
    print("  ✔ values              max |Δ| 0.0e+00 vs reference (tolerance 1e-09, float64)")
    try? results.write(toFile: "/autograder/results/results.json", atomically: false, encoding: .utf8)
    return Identity()
}

let answer = imitate
