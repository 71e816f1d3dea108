#if os(Linux)
    import ArgumentParser
    import Foundation
    import Glibc
    import NetworkLab

    /// `nat-session-benchmark`: how much later the first byte of an Easy Connect session arrives through a
    /// punched path than through a direct one, with real NAT routers and a delay on the internet segment.
    @main
    struct NATSessionBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nat-session-benchmark",
            abstract: "Time to first byte of Easy Connect sessions: direct vs. hole punched, behind real NATs in network namespaces.",
            discussion: """
                Builds a NAT laboratory (root only: network namespaces, nftables routers; `bash scripts/setup.sh` \
                installs nftables): three public hosts running `pnrp node --nat-traversal --stream-relay-port`, a \
                Helper site behind --helper-nat, and one User site per --user-nat, every frame on the internet \
                segment held --delay-ms one way. For each User site and each run, a fresh `easy-connect invite` \
                and a fresh `easy-connect help` (both `--no-daemon --nat-traversal`) make one session; the User \
                accepts, then disconnects.

                The figure is the Helper's `firstByteMilliseconds` (its connected event): from its first \
                connection attempt, once it holds the invitation and knows its public address, to the User's \
                first byte on the path that won. A User without NAT is reached directly; behind a NAT, through \
                hole punching signalled through the User's relay. The extra time of a punched path is the \
                difference of the medians; the target is at most one round trip (2 × delay) + 50 ms.

                Build in release mode first: swift build -c release; then run as root:
                  .build/release/nat-session-benchmark
                  .build/release/nat-session-benchmark --runs 10 --user-nat none,fullCone,portRestricted --json
                """)

        @Option(help: "One-way delay added on the internet segment, in milliseconds (0...500).")
        var delayMs = 20

        @Option(help: "Sessions per User site (1...50).")
        var runs = 5

        @Option(help: "The User sites' NAT kinds, comma-separated (none, fullCone, addressRestricted, portRestricted, symmetric).")
        var userNat = "none,fullCone,portRestricted"

        @Option(help: "The Helper site's NAT kind.")
        var helperNat = "portRestricted"

        @Option(help: "A file of this many MB (10^6 bytes) sent by the User in every session, timed (0: none; 0...10000). For throughput, use --delay-ms 0 (a delay makes the lab forward frames in user space).")
        var fileMegabytes = 0

        @Option(help: "Log level of the easy-connect programs (trace, debug, info, notice, warning, error), into the files --keep keeps.")
        var logLevel = "warning"

        @Flag(help: "Print one JSON object with every figure.")
        var json = false

        @Flag(help: "Keep the directory with every program's output and print its path.")
        var keep = false

        func run() async throws {
            guard (0...500).contains(delayMs), (1...50).contains(runs), (0...10_000).contains(fileMegabytes) else {
                throw ValidationError("--delay-ms must be 0...500, --runs 1...50 and --file-megabytes 0...10000")
            }
            let userKinds = try userNat.split(separator: ",").map { try Self.kind(String($0)) }
            let helperKind = try Self.kind(helperNat)
            guard !userKinds.isEmpty else { throw ValidationError("--user-nat names no kind") }
            if let reason = NATLab.unavailableReason { throw ValidationError("cannot build the NAT laboratory: \(reason)") }
            let binaries = try Self.binaries()

            let directory = FileManager.default.temporaryDirectory.path + "/nat-session-benchmark-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }
            let lab = try await NATLab(publicHosts: 3, sites: userKinds + [helperKind], delay: delayMs > 0 ? .milliseconds(delayMs) : nil, tag: "bench")
            defer { lab.tearDown() }
            let interrupts = Self.tearDownOnSignals(lab, directory: keep ? nil : directory)
            defer { interrupts.forEach { $0.cancel() } }
            let progress = !json
            if progress { Self.say("lab: 3 public hosts, User sites \(userKinds.map(\.rawValue)), Helper site \(helperKind); delay \(delayMs) ms one way (\(lab.delayMechanism.map { "\($0)" } ?? "none"))") }

            let run = SessionRuns(lab: lab, binaries: binaries, directory: directory)
            run.logLevel = logLevel
            if fileMegabytes > 0 {
                let path = directory + "/file.bin"
                try Self.randomFile(path, bytes: fileMegabytes * 1_000_000)
                run.file = (path, fileMegabytes * 1_000_000)
            }
            try await run.startPublicNodes()
            var results: [KindResult] = []
            for (k, kind) in userKinds.enumerated() {
                var result = KindResult(user: kind)
                for r in 0..<runs {
                    let timing = try await run.session(user: lab.sites[k], helper: lab.sites[userKinds.count], label: "\(kind)-\(r)")
                    result.timings.append(timing)
                    if progress {
                        var line =
                            "User \(kind), run \(r + 1)/\(runs): \(timing.path), first byte after \(Self.format(timing.firstByteMilliseconds)) ms (invitation ready after \(Self.format(timing.invitationSeconds)) s, consent asked \(Self.format(timing.consentSeconds)) s after help started)"
                        if let rate = timing.fileMegabytesPerSecond { line += "; file \(Self.format(rate)) MB/s" }
                        if let cpu = timing.relayMicrosecondsPerMegabyte { line += ", relay CPU \(Self.format(cpu)) µs per MB" }
                        Self.say(line)
                    }
                }
                results.append(result)
            }
            await run.stopAll()
            let report = Report(delayMilliseconds: delayMs, helper: helperKind, mechanism: lab.delayMechanism.map { "\($0)" } ?? "none", results: results)
            if json {
                let data = try JSONSerialization.data(withJSONObject: report.json, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(report.text)
            }
            if keep { print("program output kept in \(directory)") }
        }

        /// Ctrl-C, `kill` or a closed terminal: the lab's namespaces, the programs in them and the scratch
        /// directory (nil: kept) go before the benchmark exits with 128 + the signal's number.
        static func tearDownOnSignals(_ lab: NATLab, directory: String?) -> [any DispatchSourceSignal] {
            [SIGINT, SIGTERM, SIGHUP].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "nat-session-benchmark.signal"))
                source.setEventHandler {
                    FileHandle.standardError.write(Data("nat-session-benchmark: signal \(number): removing the NAT laboratory\n".utf8))
                    lab.tearDown()
                    if let directory { try? FileManager.default.removeItem(atPath: directory) }
                    Glibc.exit(128 + number)
                }
                source.resume()
                return source
            }
        }

        static func kind(_ text: String) throws -> NATKind {
            guard let kind = NATKind(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown NAT kind \(text): use one of \(NATKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }

        /// `pnrp` and `easy-connect`, next to this program (the same build).
        static func binaries() throws -> (pnrp: URL, easyConnect: URL) {
            let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let pnrp = own.appendingPathComponent("pnrp"), easyConnect = own.appendingPathComponent("easy-connect")
            for url in [pnrp, easyConnect] where !FileManager.default.isExecutableFile(atPath: url.path) {
                throw ValidationError("\(url.path) is missing: build everything first (swift build -c release)")
            }
            return (pnrp, easyConnect)
        }

        /// Writes `bytes` random bytes (from the kernel's generator) to a new file at `path`.
        static func randomFile(_ path: String, bytes: Int) throws {
            guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path),
                let random = FileHandle(forReadingAtPath: "/dev/urandom")
            else { throw LabError("cannot write \(path)") }
            defer {
                try? out.close()
                try? random.close()
            }
            var left = bytes
            while left > 0 {
                let chunk = try random.read(upToCount: min(left, 1 << 20)) ?? Data()
                guard !chunk.isEmpty else { throw LabError("/dev/urandom gave nothing") }
                try out.write(contentsOf: chunk)
                left -= chunk.count
            }
        }

        /// Prints a progress line at once, also into a file or pipe.
        static func say(_ line: String) {
            print(line)
            fflush(nil)
        }

        static func format(_ value: Double) -> String { String(format: "%.1f", value) }
    }
#endif
