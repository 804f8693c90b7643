import Foundation
import Testing
@testable import Grading

/// The child process: what a candidate does to its own process changes no verdict.
@Suite("Grading: the isolated child", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingIsolationTests {
    /// One run of every self-test candidate, shared by the tests below.
    static func selfTestRun() throws -> GradingRun {
        let (status, stdout, stderr) = try runLayerKit(["grade", "--json", "--self-test", "--exercise", "centered-layer",
                                                         "--timeout", "5"])
        #expect(status == 0, "stderr: \(stderr)")
        return try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
    }

    @Test("Self-test candidates: hang, throw, write to the channel, exit, 50 GiB, print — each judged right, the run goes on")
    func selfTests() throws {
        let run = try Self.selfTestRun()
        func report(_ name: String) throws -> GradeReport { try #require(run.reports.first { $0.candidate == name }) }

        let hang = try report("selftest-hangs")
        #expect(hang.results[0].figure == "timed out" && hang.results.dropFirst().allSatisfy { $0.figure == "not run" })
        let thrower = try report("selftest-throws")
        #expect(thrower.results.allSatisfy { !$0.passed && $0.reason?.contains("refuses to be built") == true })

        // A reply of its own written into the grader's channel (announcing 1 TB) on the values
        // input: refused by the cap, that criterion fails, a fresh child serves the next one.
        let forger = try report("selftest-forges")
        #expect(forger.results[2].id == .values && forger.results[2].figure == "unreadable reply", "\(forger.table)")
        #expect(forger.results[2].reason?.contains("above the 67108864-byte cap") == true)
        #expect(forger.results.prefix(2).allSatisfy { $0.passed } && forger.results.suffix(2).allSatisfy { $0.passed })

        // exit(0) in the middle: that criterion fails with the status, the next starts a fresh child.
        let exits = try report("selftest-exits")
        #expect(exits.results.prefix(2).allSatisfy { $0.passed })
        #expect(exits.results[2].id == .values && exits.results[2].figure == "exited with status 0")
        #expect(exits.results[2].reason?.contains("during criterion `values`") == true)
        #expect(exits.results.suffix(2).allSatisfy { $0.passed }, "book output and the network mean use other inputs")

        // 50 GiB: refused at once by the address-space limit, reported as out of memory.
        let hog = try report("selftest-memory-hog")
        #expect(hog.results[0].figure == "out of memory" && hog.results[0].reason?.contains("2 GiB memory limit") == true)

        // A right answer that prints (even lines imitating the protocol) passes.
        let printer = try report("selftest-prints")
        #expect(printer.passedAll, "\(printer.table)")
        #expect(printer.output?.contains("debug: input shape") == true && printer.output?.contains("passed") == true)
        #expect(run.reports.allSatisfy { $0.verdictIsRight })
    }

    @Test("--cpu-limit stops a forward that computes forever, reported as such")
    func cpuLimit() throws {
        // A wall time far above the CPU limit: even on a loaded machine the CPU limit comes first.
        let (status, stdout, stderr) = try runLayerKit(["grade", "--json", "--self-test", "--candidate", "selftest-spins",
                                                        "--cpu-limit", "1", "--timeout", "120"])
        #expect(status == 0, "stderr: \(stderr)")
        let run = try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
        let spinner = try #require(run.reports.first)
        #expect(spinner.results[0].figure == "CPU time limit", "\(spinner.table)")
        #expect(spinner.results[0].reason?.contains("more than 1 s of CPU time during criterion `output shape`") == true)
        #expect(spinner.results.dropFirst().allSatisfy { $0.figure == "not run" })
    }

    @Test("--memory-limit is parsed and refused when unreadable")
    func memoryLimitOption() throws {
        let bad = try runLayerKit(["grade", "--exercise", "centered-layer", "--memory-limit", "lots"])
        #expect(bad.status != 0 && bad.stderr.contains("--memory-limit"))
        let small = try runLayerKit(["grade", "--json", "--self-test", "--candidate", "selftest-memory-hog",
                                     "--memory-limit", "512M"])
        let run = try JSONDecoder().decode(GradingRun.self, from: Data(small.stdout.utf8))
        #expect(run.reports.first?.results.first?.reason?.contains("512 MiB memory limit") == true)
    }

    @Test("Progress goes to standard error only, as plain lines when it is not a terminal")
    func progressOnStderr() throws {
        let (status, stdout, stderr) = try runLayerKit(["grade", "--exercise", "centered-layer"])
        #expect(status == 0)
        let count = (referenceSolutions + knownWrongAnswers).filter { $0.exercise == .centeredLayer }.count
        #expect(!stdout.contains("[1/") && stderr.contains("[1/\(count)] centered-layer · CenteredLayer\n"))
        #expect(!stderr.contains("\u{1B}["), "no terminal codes when stderr is a file")
    }
}
