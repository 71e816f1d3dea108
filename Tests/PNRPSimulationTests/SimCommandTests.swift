import Foundation
import Testing

/// `pnrp-sim` as a person uses it: every problem reported, each blamed on what caused it, before any
/// long run starts.
@Suite("pnrp-sim command line")
struct SimCommandTests {
    /// A scenario that runs in a second or two.
    static let tiny = "name: tiny\nnodes: 12\nduration: 5s\njoin: {interval: 20ms, settle: 5s}\nreport: {interval: 5s}\n"

    /// Writes `text` to `name` in `dir` and returns its path.
    func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("validate reports every problem of a file, one a line")
    func validateReportsEveryProblem() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write("name: bad\nnodes: 1\ncolour: red\nnetwork:\n  loss: 2\nduration: 10\n", "bad.yaml", in: dir)
        let good = try write(Self.tiny, "good.yaml", in: dir)
        let r = try await SimProcess.run(["validate", file, good], in: dir)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(r.stderr)")
        for fragment in ["bad.yaml:3:1: colour: unknown key", "bad.yaml:2:8: nodes:", "bad.yaml:5:9: network.loss:", "bad.yaml:6:11: duration:"] {
            #expect(lines.contains { $0.hasPrefix(dir + "/" + fragment) }, "\(fragment) missing from \(r.stderr)")
        }
        #expect(r.stdout.contains("good.yaml: ok"))
    }

    @Test("a resolution rate of 1e308 is refused with its range")
    func absurdRate() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.tiny + "workload:\n  resolutionsPerSecond: 1e308\n", "rate.yaml", in: dir)
        for command in [["validate", file], ["run", file]] {
            let r = try await SimProcess.run(command, in: dir, seconds: 30)
            #expect(!r.timedOut && r.status == 2, "\(command[0]): \(r.stderr)")
            #expect(r.stderr.contains("workload.resolutionsPerSecond: expected a number from 0 to 100000, found 1e308"), "\(r.stderr)")
        }
    }

    @Test("--nodes 0 is blamed on the option, not on a line of the file")
    func badNodesOption() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.tiny, "tiny.yaml", in: dir)
        let r = try await SimProcess.run(["run", file, "--nodes", "0"], in: dir, seconds: 30)
        #expect(r.status == 2)
        #expect(r.stderr == "--nodes: expected a whole number from 2 to 1000000, found 0\n", "\(r.stderr)")
    }

    @Test("--duration 0s and 99999999h are out of range, and the message gives the range")
    func badDurationOption() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.tiny, "tiny.yaml", in: dir)
        for value in ["0s", "99999999h"] {
            let r = try await SimProcess.run(["run", file, "--duration", value], in: dir, seconds: 30)
            #expect(r.status == 2)
            #expect(r.stderr == "--duration: expected a duration from 1ms to 168h, found \(value)\n", "\(r.stderr)")
        }
        let r = try await SimProcess.run(["run", file, "--duration", "soon"], in: dir, seconds: 30)
        #expect(r.status == 2 && r.stderr.contains("a number and a unit"), "\(r.stderr)")
    }

    @Test("an output path that cannot be a directory fails at once, before a long run")
    func outputsCheckedFirst() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 100,000 nodes: minutes of work, so only a check made before the run ends this quickly.
        let file = try write("name: long\nnodes: 100000\njoin: {interval: 1ms}\n", "long.yaml", in: dir)
        let plain = try write("not a directory", "plain.txt", in: dir)
        for args in [["--report", plain], ["--out", plain + "/sub"], ["--out", dir, "--report", plain]] {
            let started = Date()
            let r = try await SimProcess.run(["run", file] + args, in: dir, seconds: 30)
            #expect(!r.timedOut && r.status == 3, "\(args): \(r.stderr)")
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(r.stderr.contains(args[args.count - 2] + " " + args[args.count - 1] + ": "), "\(r.stderr)")
            #expect(!r.stderr.contains("wall time"), "the run started: \(r.stderr)")
        }
    }

    @Test("with no secured names, the summary says n/a, and the JSON null, instead of 0 %")
    func nothingToRate() async throws {
        let dir = try SimProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try write(Self.tiny + "workload:\n  securedFraction: 0\n", "unsecured.yaml", in: dir)
        let text = try await SimProcess.run(["run", file], in: dir, seconds: 120)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("secured n/a"), "\(text.stdout)")
        let json = try await SimProcess.run(["run", file, "--json"], in: dir, seconds: 120)
        #expect(json.stdout.contains("\"securedSuccessRate\":null") && json.stdout.contains("\"linkLocalSuccessRate\":null"), "\(json.stdout)")
    }
}
