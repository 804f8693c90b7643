import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// True when this process was started by the grader as a child.
var isGradingChild: Bool { ProcessInfo.processInfo.environment[childEnvironmentKey] != nil }

/// The child's side: reads the request from standard input, opens the private results file,
/// sets the limits, then runs the criteria and writes one line per criterion (with the
/// tag of the request's key) to that file as each one ends. Returns the exit status.
///
/// `candidates` are the registered candidates to choose from by name; a compiled submission
/// passes its only candidate.
func runAsChild(candidates: [Candidate]) -> Int32 {
    let input = FileHandle.standardInput.readDataToEndOfFile()
    guard let request = try? JSONDecoder().decode(ChildRequest.self, from: input) else {
        FileHandle.standardError.write(Data("layerkit grade: unreadable child request\n".utf8))
        return 70
    }
    // Stdin is no longer needed; the candidate reads nothing from the grader.
    let devNull = open("/dev/null", O_RDONLY)
    if devNull >= 0 { dup2(devNull, 0); close(devNull) }
    guard let results = FileHandle(forWritingAtPath: request.resultsPath) else {
        FileHandle.standardError.write(Data("layerkit grade: cannot open the results file\n".utf8))
        return 70
    }
    results.seekToEndOfFile()
    let encoder = JSONEncoder(), key = request.key
    func send(_ payload: ChildPayload) {
        guard let message = try? ChildMessage(payload, key: key), let json = try? encoder.encode(message) else { return }
        results.write(json + Data("\n".utf8))
    }
    applyLimits(memory: request.memoryLimit, cpuSeconds: request.cpuSeconds)
    let candidate = candidates.count == 1 && candidates[0].name == compiledSubmissionName
        ? candidates[0]
        : candidates.first { $0.exercise == request.exercise && $0.name == request.candidate }
    guard let candidate, candidate.exercise == request.exercise else {
        send(ChildPayload(index: request.start, result: nil,
                          setupError: "no candidate \(request.candidate) for \(request.exercise.rawValue) in the child"))
        return 0
    }
    runCriteria(candidate, seed: request.seed, from: request.start) { index, result in
        send(ChildPayload(index: index, result: result, setupError: nil))
    }
    return 0
}

/// The name a compiled file submission's only candidate has inside its child.
let compiledSubmissionName = "submission"

/// Sets the address-space limit (so an allocation beyond it fails at once instead of
/// swapping the machine) and the CPU-time limit (the kernel stops the process with SIGXCPU).
func applyLimits(memory: UInt64?, cpuSeconds: UInt64?) {
    #if os(Linux)
    typealias Resource = __rlimit_resource_t
    let addressSpace = Resource(RLIMIT_AS.rawValue), cpu = Resource(RLIMIT_CPU.rawValue)
    #else
    let addressSpace = RLIMIT_AS, cpu = RLIMIT_CPU
    #endif
    if let memory {
        var limit = rlimit(rlim_cur: rlim_t(memory), rlim_max: rlim_t(memory))
        setrlimit(addressSpace, &limit)
    }
    if let cpuSeconds {
        // SIGXCPU must stop the process: an ignored or blocked SIGXCPU is inherited through
        // exec (a test runner's, say), and the kernel would only SIGKILL at the hard limit.
        signal(SIGXCPU, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGXCPU)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        var limit = rlimit(rlim_cur: rlim_t(cpuSeconds), rlim_max: rlim_t(cpuSeconds + 1))
        setrlimit(cpu, &limit)
    }
}

/// Entry point of a compiled file submission's child executable: grades `candidate` as the
/// grader's request on standard input asks, and exits.
public func runSubmissionChild(_ candidate: Candidate) -> Never {
    let renamed = Candidate(compiledSubmissionName, candidate.exercise, summary: candidate.summary, build: candidate.build)
    exit(runAsChild(candidates: [renamed]))
}
