// The book's example layers and the exercise solutions of D2L "Layers and Modules" and
// "Custom Layers", one folder per chapter, a file per layer. `import Exercises` also brings
// in LayerKit, so an experiment needs one import.
@_exported import LayerKit
