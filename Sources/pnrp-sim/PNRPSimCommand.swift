import ArgumentParser
import Foundation
import PNRP
import PNRPSimulation

/// `pnrp-sim`: discrete-event simulations of PNRP clouds on the unmodified protocol core.
@main
struct PNRPSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pnrp-sim",
        abstract: "Simulate PNRP clouds from scenario files, reproducibly.",
        discussion: """
            Every simulated node runs the real protocol state machine; every datagram is encoded, \
            delayed, possibly lost, and decoded; every CPA is signed and verified. A scenario file \
            (YAML, see Simulations/SCHEMA.md) fixes the cloud size, network, churn, workload and \
            attackers; the same file and seed always give the same output, byte for byte.

            Examples:
              pnrp-sim validate Simulations/scenarios/*.yaml
              pnrp-sim run Simulations/scenarios/quickstart.yaml
              pnrp-sim run Simulations/scenarios/lossy-network.yaml --seed 7 --report out/lossy
            """,
        version: PackageVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self]
    )

    /// Restarts with huge pages for the heap when the system offers them (`HugePages`), then runs the command.
    static func main() {
        HugePages.restartWithHugePagesIfAvailable()
        main(nil)
    }
}

/// Exit codes with a meaning.
enum SimExit {
    /// The scenario file is invalid or unreadable, or an option's value is out of its range.
    static let badScenario = ExitCode(2)
    /// Output could not be written (or, checked before the run, could not be).
    static let outputFailed = ExitCode(3)
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `pnrp-sim validate FILE...`
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files and report every problem with its file, line and key.",
        discussion: """
            Every problem of every file is reported, one a line on stderr (file:line:column: key: what was \
            expected and what was found); valid files get an "ok" line on stdout.

            Example:
              pnrp-sim validate Simulations/scenarios/*.yaml

            Exit codes: 0 all valid, 2 at least one invalid.
            """
    )

    @Argument(help: "Scenario files (YAML).")
    var files: [String]

    func run() throws {
        var bad = 0
        for file in files {
            switch Scenario.loadReportingAll(path: file) {
            case .success(let s):
                print("\(file): ok (\(s.name), \(s.nodes) nodes, \(DurationText.format(s.duration)))")
            case .failure(let problems):
                for problem in problems.problems { printError(problem.description) }
                bad += 1
            }
        }
        if bad > 0 { throw SimExit.badScenario }
    }
}

/// `pnrp-sim run FILE`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one scenario and print its summary.",
        discussion: """
            Progress goes to stderr: a bar with an estimate of the time left on a terminal, a line \
            every few seconds otherwise. The summary goes to stdout (text, or JSON with --json).

            --out DIR writes summary.json and timeseries.csv (one row per report interval); --report DIR \
            writes the same plus SVG pictures: hop histogram, latency CDF, success and traffic over time. \
            Both directories are checked before the run starts, and created when missing.

            --nodes and --duration replace the file's values and are checked against the same ranges \
            (nodes 2 to 1000000, duration 1ms to 168h).

            Examples:
              pnrp-sim run Simulations/scenarios/quickstart.yaml
              pnrp-sim run Simulations/scenarios/quickstart.yaml --nodes 200 --json
              pnrp-sim run Simulations/scenarios/nat-mix.yaml --seed 7 --report out/nat

            Exit codes: 0 the run finished, 2 invalid scenario or option value, 3 output cannot be written.
            """
    )

    @Argument(help: "Scenario file (YAML).")
    var file: String

    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(help: "Override the number of nodes.")
    var nodes: Int?

    @Option(help: "Override the measured duration, e.g. 30s or 10m.")
    var duration: String?

    @Option(help: "Write summary.json and timeseries.csv into this directory.")
    var out: String?

    @Option(help: "Write summary, time series and SVG pictures into this directory.")
    var report: String?

    @Flag(help: "Print the JSON summary instead of text.")
    var json = false

    func run() throws {
        var scenario: Scenario
        switch Scenario.loadReportingAll(path: file) {
        case .success(let s):
            scenario = s
        case .failure(let problems):
            for problem in problems.problems { printError(problem.description) }
            throw SimExit.badScenario
        }
        // Options are judged as options: a bad value is blamed on the option, not on the file.
        var optionProblems: [String] = []
        if let seed { scenario.seed = seed }
        if let nodes {
            if ScenarioLimits.nodes.contains(nodes) {
                scenario.nodes = nodes
            } else {
                optionProblems.append("--nodes: expected a whole number from \(ScenarioLimits.nodes.lowerBound) to \(ScenarioLimits.nodes.upperBound), found \(nodes)")
            }
        }
        if let duration {
            let range = ScenarioLimits.duration
            let expected = "a duration from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
            switch DurationText.read(duration) {
            case .value(let d) where range.contains(d):
                scenario.duration = d
            case .value, .tooLong:
                optionProblems.append("--duration: expected \(expected), found \(duration)")
            case .notADuration:
                optionProblems.append("--duration: expected \(expected), a number and a unit ms, s, m or h (250ms, 15s, 10m, 2h), found \"\(duration)\"")
            }
        }
        if optionProblems.isEmpty, nodes != nil || duration != nil {
            let given = [nodes.map { "--nodes \($0)" }, duration.map { "--duration \($0)" }].compactMap { $0 }.joined(separator: " ")
            for p in scenario.crossKeyProblems() {
                optionProblems.append("\(given): \(file): \(p.path): expected \(p.expected), found \(p.found)")
            }
        }
        guard optionProblems.isEmpty else {
            for line in optionProblems { printError(line) }
            throw SimExit.badScenario
        }
        // The outputs are checked before the run: a run may take many minutes.
        for (option, dir) in [("--out", out), ("--report", report)] {
            guard let dir else { continue }
            if let problem = OutputDirectoryCheck.problem(directory: dir, files: OutputDirectoryCheck.fileNames(plots: option == "--report")) {
                printError("\(option) \(dir): \(problem)")
                throw SimExit.outputFailed
            }
        }
        let started = Date()
        let bar = ProgressReporter()
        var simulation = SimulationRun(scenario: scenario)
        let result = simulation.run { phase, fraction in bar.update(phase: phase, fraction: fraction) }
        bar.finish()
        let wall = Date().timeIntervalSince(started)
        for dir in [out, report].compactMap({ $0 }) {
            do { try result.write(to: dir, plots: dir == report) } catch {
                printError("cannot write results to \(dir): \(error.localizedDescription)")
                throw SimExit.outputFailed
            }
        }
        if json {
            print(result.summaryJSON())
        } else {
            printSummary(result)
        }
        let simulationCPU = threadCPUSeconds().map { String(format: ", simulation thread %.1f s of CPU", $0) } ?? ""
        printError(String(format: "wall time %.1f s, peak resident memory %.0f MiB", wall, Double(peakResidentBytes()) / 1_048_576) + simulationCPU)
        // Machine-dependent, so on stderr only: how the shared signature cache split the work (deviations S1).
        let c = simulation.signatureCache.statistics
        printError("CPA signature checks: \(c.checkedAhead) ahead on a second thread, \(c.misses) by the receiving node, \(c.hits) answers found waiting (\(c.waited) after a short wait)")
    }

    private func printSummary(_ r: SimulationResult) {
        let s = r.scenario
        print("\(s.name): \(s.nodes) nodes, \(DurationText.format(s.duration)) measured, seed \(s.seed)")
        print("resolutions: \(r.started) started, \(r.succeeded) succeeded (\(percent(r.successRate))), secured \(percent(r.securedSuccessRate)) of \(r.securedStarted)")
        for (reason, n) in r.failures.sorted(by: { $0.key < $1.key }) { print("  failed: \(n) × \(reason)") }
        if r.publisherLeft > 0 {
            print("  publisher went offline during \(r.publisherLeft) of them; of the others \(percent(r.stayedOnlineSuccessRate)) succeeded")
        }
        if r.unanswered > 0 { print("  unanswered at the end: \(r.unanswered)") }
        print("registrations lost (publisher online, name not found): \(r.registrationsLost), not found again by the end: \(r.registrationsStillLost)")
        if let before = r.unlinkedNeighboursAfterJoin, let after = r.unlinkedNeighboursAtEnd {
            print("neighbouring IDs not in each other's leaf sets: \(before) when measuring started, \(after) at the end")
        }
        print("forged answers accepted: \(r.forgedAccepted), misdirected answers accepted: \(r.misdirectedAccepted)")
        if r.linkLocalStarted > 0 {
            let hops = r.linkLocalHops.count > 0 ? String(format: "%.2f", r.linkLocalHops.mean) : "n/a"
            print("link-local: \(r.linkLocalStarted) resolutions on their link, \(percent(r.linkLocalSuccessRate)) succeeded, mean hops \(hops)")
            for (reason, n) in r.linkLocalFailures.sorted(by: { $0.key < $1.key }) { print("  failed on the link: \(n) × \(reason)") }
        }
        if s.attackers.behaviour.targetsFirstName, r.victimStarted > 0 {
            print("\(s.attackers.behaviour.rawValue) victim: \(r.victimStarted) resolutions of its name, \(percent(r.firstNameSuccessRate)) succeeded")
        }
        if let publisher = r.victimCachedAtPublisher, let attacker = r.victimCachedAtAttacker {
            print("victim's ID in honest caches at the end: \(publisher) at its publisher, \(attacker) at an attacker (\(r.attackerClaims) lies told)")
        }
        if r.forgedDatagrams > 0 {
            print("forged by the attackers: \(r.forgedDatagrams) datagrams (\(r.forgedBytes) B)")
        }
        if let alone = r.aloneAfterJoin {
            print("nodes that knew no other node when measuring started: \(alone)")
        }
        if let attempts = r.predictionAttempts, let confirmed = r.predictionsConfirmed {
            print("nonce prediction: \(confirmed) of \(attempts) bursts had their fourth nonce and Message ID predicted from the first three")
        }
        if let made = r.signaturesMade, let checks = r.signatureChecks {
            print("honest nodes' Ed25519 work while measuring: \(made) signatures made, \(checks) signature checks")
        }
        if let f = r.reflection {
            let guarded = s.network.sourceGuard ? "with" : "without"
            print(
                "reflection: \(f.forgedDatagrams) INQUIREs (\(f.forgedBytes) B) forged with the victim's address; \(f.victimDatagrams) datagrams (\(f.victimBytes) B) reached it, "
                    + (f.amplification.map { String(format: "%.2f", $0) } ?? "n/a") + " B per B forged (\(guarded) network.sourceGuard)")
        }
        if r.steeredLookups + r.replayedCPAs > 0 {
            print("attacks: \(r.steeredLookups) LOOKUP answers steered to colluders, \(r.replayedCPAs) INQUIREs answered with a replayed CPA")
        }
        if r.hops.count > 0 {
            let h = r.hops.percentiles
            print(String(format: "hops: mean %.2f, p50 %.0f, p99 %.0f, max %.0f", r.hops.mean, h.p50, h.p99, h.max))
            let l = r.latency.percentiles
            print(String(format: "latency (virtual): p50 %.1f ms, p99 %.1f ms, max %.1f ms", l.p50, l.p99, l.max))
        } else {
            print("hops: n/a (no resolution succeeded)")
            print("latency (virtual): n/a (no resolution succeeded)")
        }
        print("traffic: \(r.traffic.totalDatagrams) datagrams, \(r.traffic.totalBytes) bytes, \(r.traffic.lost) lost")
        print("trace hash: \(String(r.traceHash, radix: 16))")
    }
}

/// A share as a percentage with three decimals, or "n/a" when there is nothing to divide.
func percent(_ rate: Double?) -> String {
    rate.map { String(format: "%.3f %%", $0 * 100) } ?? "n/a"
}

/// A progress bar with the estimated time left on a terminal; otherwise a plain line at each new phase
/// and every `lineInterval` seconds.
final class ProgressReporter {
    /// Seconds between two lines when standard error is not a terminal.
    static let lineInterval = 5.0

    private let isTTY = isatty(STDERR_FILENO) != 0
    private var last = Date.distantPast
    private var lastPhase = ""
    private var phaseStarted = Date()

    func update(phase: String, fraction: Double) {
        let now = Date()
        let changed = phase != lastPhase
        if changed { phaseStarted = now }
        guard changed || now.timeIntervalSince(last) >= (isTTY ? 0.2 : Self.lineInterval) else { return }
        last = now
        lastPhase = phase
        let f = min(1, max(0, fraction))
        let elapsed = now.timeIntervalSince(phaseStarted)
        // Time left in this phase, extrapolated from its progress so far.
        let eta = f > 0.01 ? String(format: ", about %.0f s left", elapsed / f * (1 - f)) : ""
        if isTTY {
            let width = 30
            let filled = Int(Double(width) * f)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r\u{1B}[K%@ [%@] %5.1f %%%@", phase, bar, f * 100, eta).utf8))
        } else {
            FileHandle.standardError.write(Data(String(format: "%@: %.1f %%%@\n", phase, f * 100, eta).utf8))
        }
    }

    func finish() {
        if isTTY { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Peak resident set size of this process in bytes (Linux: VmHWM in /proc/self/status), 0 when unknown.
func peakResidentBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { UInt64($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// CPU seconds (user + system) used so far by the calling thread, or nil where the system cannot tell.
func threadCPUSeconds() -> Double? {
    #if os(Linux)
        var usage = rusage()
        guard getrusage(__rusage_who_t(1), &usage) == 0 else { return nil }  // 1: RUSAGE_THREAD
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    #else
        return nil
    #endif
}
