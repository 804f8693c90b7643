import Foundation
import LayerKit
import LayerKitChild

/// The limits each candidate's child runs under.
public struct GradingLimits: Sendable {
    /// Wall time for the whole candidate, in seconds (its children's start-up not counted).
    public var timeout: Double
    /// Address-space limit of each Swift child, in bytes (nil: none).
    public var memory: UInt64?
    /// Address-space limit of each Python child (torch's libraries alone take about 3 GB of
    /// address space), in bytes (nil: none).
    public var pythonMemory: UInt64?
    /// CPU time of each child, in seconds (nil: none).
    public var cpuSeconds: UInt64?
    /// Processes and threads of the child's user (bubblewrap as a dedicated user, or the user fallback).
    public var processes: UInt64
    /// The largest file the child may write, in bytes.
    public var fileSize: UInt64
    /// Open files.
    public var openFiles: UInt64
    /// The size of the child's private temporary directory (bubblewrap).
    public var temporaryBytes: UInt64

    /// Limits; the defaults are 10 s of wall time, 2 GiB (8 GiB for Python), 30 s of CPU time,
    /// 64 processes, 16 MiB files, 64 open files and a 64 MiB temporary directory.
    public init(timeout: Double = 10, memory: UInt64? = 2 << 30, pythonMemory: UInt64? = 8 << 30, cpuSeconds: UInt64? = 30,
                processes: UInt64 = 64, fileSize: UInt64 = 16 << 20, openFiles: UInt64 = 64, temporaryBytes: UInt64 = 64 << 20) {
        self.timeout = timeout
        self.memory = memory
        self.pythonMemory = pythonMemory
        self.cpuSeconds = cpuSeconds
        self.processes = processes
        self.fileSize = fileSize
        self.openFiles = openFiles
        self.temporaryBytes = temporaryBytes
    }

    /// The address-space limit of a child in `language`.
    func memory(for language: AnswerLanguage) -> UInt64? { language == .python ? pythonMemory : memory }

    /// The sandbox's form of these limits, for a child in `language`.
    func sandbox(for language: AnswerLanguage) -> SandboxLimits {
        SandboxLimits(addressSpace: memory(for: language), cpuSeconds: cpuSeconds, processes: processes, fileSize: fileSize,
                      openFiles: openFiles, temporaryBytes: temporaryBytes)
    }
}

/// Grades `candidate` in this process and returns its report.
///
/// The candidate is called through the same requests as in a child process (its outputs,
/// gradients, parameters and state come back as copies, and every verdict is computed from
/// them), but nothing isolates it: a candidate that crashes takes the caller down with it.
/// `layerkit grade` runs each candidate in a sandboxed child instead.
///
///     let report = grade(.tensorReduction("mine") { i, o in TensorReduction(inFeatures: i, outFeatures: o) })
///     print(report.table)
public func grade(_ candidate: Candidate, seed: UInt64 = 0) -> GradeReport {
    let transport = InProcessTransport(factory: candidate.build)
    let limits = GradingLimits(timeout: .infinity)
    let session = CandidateSession(transport: transport, hello: candidate.hello, timeout: .seconds(1 << 40))
    return GradeReport(candidate, results: judge(candidate.exercise, in: session, seed: seed, limits: limits))
}

extension Candidate {
    /// The hello that loads this candidate in a child.
    var hello: Hello { Hello(signature: exercise.signature, candidate: name, exercise: exercise.rawValue) }
}

extension GradeReport {
    /// The report of a registered candidate.
    init(_ candidate: Candidate, results: [CriterionResult], output: String? = nil, seconds: Double? = nil,
         isolation: Isolation? = nil) {
        self.init(exercise: candidate.exercise.rawValue, candidate: candidate.name, kind: candidate.kind,
                  expectedFailure: candidate.expectedFailure, results: results, output: output, seconds: seconds,
                  isolation: isolation)
    }
}

/// Grades `candidate` in sandboxed children of this program, so that a crash, a hang, a huge
/// allocation or an `exit()` cannot take the grader down, and nothing the candidate does can
/// change its verdict: the children only compute, the grader judges.
///
/// This program must serve the candidate when it is started as a child: it does when it runs
/// ``GradeCommand`` (`GradeCommand.main()` sees `LAYERKIT_GRADE_CHILD` and serves every
/// registered candidate).
///
///     let report = gradeInChildProcess(mine, isolation: Isolation.automatic() ?? .none)
public func gradeInChildProcess(_ candidate: Candidate, seed: UInt64 = 0, limits: GradingLimits = GradingLimits(),
                                isolation: Isolation) -> GradeReport {
    gradeInChild(candidate, seed: seed, limits: limits, isolation: isolation, command: .registeredCandidates)
}

func gradeInChild(_ candidate: Candidate, seed: UInt64, limits: GradingLimits, isolation: Isolation,
                  command: ChildCommand) -> GradeReport {
    let started = ContinuousClock.now
    let transport = ChildProcessTransport(command: command, limits: limits, isolation: isolation)
    let session = CandidateSession(transport: transport, hello: candidate.hello, timeout: .seconds(limits.timeout))
    let results = judge(candidate.exercise, in: session, seed: seed, limits: limits)
    transport.reset()
    return GradeReport(candidate, results: results, output: transport.printed.text, seconds: (ContinuousClock.now - started).seconds,
                       isolation: isolation)
}

extension Duration {
    /// In seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
