import ArgumentParser
import Grading

/// `layerkit`: build, check and grade custom layers from the command line.
@main
struct LayerKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layerkit",
        abstract: "Build, check and grade D2L custom layers: a tensor with autograd, nn modules, gradient checks.",
        // One subcommand per line, so that adding one is a one-line change.
        subcommands: [
            Demo.self,
            GradeCommand.self,
            TrainDemo.self,
            Experiment.self,
        ],
        defaultSubcommand: Demo.self
    )
}
