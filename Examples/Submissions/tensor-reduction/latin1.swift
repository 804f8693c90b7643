import LayerKit
// Réduction tensorielle
let answer = 1
