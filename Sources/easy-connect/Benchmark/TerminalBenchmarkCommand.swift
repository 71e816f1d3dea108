import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import EasyConnectTerminal
import Foundation
import PeerCrypto

/// `easy-connect benchmark terminal`: keystroke-to-echo latency and busy-output figures of a shared terminal.
struct TerminalBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminal",
        abstract: "Measure a shared terminal: keystroke-to-echo latency and a burst of output at each bandwidth level.",
        discussion: """
            Runs a User and a Helper in this process, connected over TCP on 127.0.0.1 through an invitation file \
            (the whole session: PAKE, encrypted channel, consent), with the very code of `invite \
            --share-terminal` on the User's side: the program in a pseudo-terminal, libvterm, frames paced and \
            compressed by the bandwidth level. For each level it measures:
              - keystroke to echo: the Helper, given control, sends a key; the clock stops when the Helper's copy \
            of the screen shows it (the User's program, cat in raw mode, echoes it) — --keys keys, one at a time;
              - a burst: the program prints --burst-megabytes MB and then a marker — of `yes` (one letter a line), \
            and of a build log (`seq -f 'compiling src/module%06g.swift …'`, a different line of 50 characters \
            each time); the bytes and frames sent, their rate, and the time from the marker on the User's screen \
            until the Helper's screen equals the User's, cell by cell (colours reduced to 256 at the full level, as \
            it sends them).
            Build in release mode first: swift build -c release; then .build/release/easy-connect benchmark terminal.

            Examples:
              easy-connect benchmark terminal
              easy-connect benchmark terminal --levels full,none --burst-megabytes 10 --json
            """)

    @Option(help: "Keystrokes to time per level (after 20 untimed).")
    var keys = 500

    @Option(name: .customLong("burst-megabytes"), help: "Size of the burst of output, in MB (10^6 bytes).")
    var burstMegabytes = 50

    @Option(help: "Bandwidth levels to measure, separated by commas (default: all four).")
    var levels = BandwidthLevel.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Bursts to measure, separated by commas: yes, build-log (default both).")
    var bursts = "yes,build-log"

    @Flag(help: "Print one JSON object with every figure.")
    var json = false

    func run() async throws {
        guard (1...100_000).contains(keys), (1...2000).contains(burstMegabytes) else { throw ValidationError("--keys must be 1...100000 and --burst-megabytes 1...2000") }
        var chosen: [BandwidthLevel] = []
        for name in levels.split(separator: ",") {
            guard let level = BandwidthLevel(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("--levels: \(name) is not one of \(BandwidthLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen.append(level)
        }
        var kinds: [TerminalBenchmarkRun.Burst] = []
        for name in bursts.split(separator: ",") {
            guard let kind = TerminalBenchmarkRun.Burst(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--bursts: \(name) is not one of yes, build-log")
            }
            kinds.append(kind)
        }
        var results: [TerminalBenchmarkRun.Result] = []
        for kind in kinds {
            for level in chosen {
                if !json { FileHandle.standardError.write(Data("benchmark: \(kind.rawValue) at bandwidth \(level.rawValue)…\n".utf8)) }
                let run = TerminalBenchmarkRun(level: level, keys: keys, burst: kind, burstBytes: burstMegabytes * 1_000_000)
                results.append(try await run.measure())
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["levels": results.map(\.json)], options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for r in results { print(r.text) }
        }
    }
}

/// One level's measurement: a session over loopback, a shared program, the Helper's copy of its screen.
final class TerminalBenchmarkRun {
    let level: BandwidthLevel
    let keys: Int
    let burst: Burst
    let burstBytes: Int

    /// What the burst prints.
    enum Burst: String {
        /// `yes`: one letter a line, the screen scrolling as fast as it can.
        case yes
        /// A build log: a different line of about 50 characters each time.
        case buildLog = "build-log"

        func command(bytes: Int) -> String {
            switch self {
            case .yes: "yes | head -c \(bytes)"
            case .buildLog: "seq -f 'compiling src/module%06g.swift: ok, 0 warnings, 0 errors' 1 \(bytes / 40) | head -c \(bytes)"
            }
        }
    }

    struct Result {
        var level: BandwidthLevel
        var burst: Burst
        var latencies: [Double]
        var burstBytes: Int
        var burstSeconds: Double
        var wireBytes: Int
        var frames: Int
        var correctAfter: Double

        static func percentile(_ v: [Double], _ p: Double) -> Double { v.sorted()[min(v.count - 1, Int(Double(v.count) * p))] }

        var json: [String: Any] {
            [
                "level": level.rawValue, "burstKind": burst.rawValue,
                "echoMilliseconds": ["keys": latencies.count, "p50": Self.percentile(latencies, 0.5) * 1000, "p99": Self.percentile(latencies, 0.99) * 1000, "max": (latencies.max() ?? 0) * 1000],
                "burst": ["bytes": burstBytes, "seconds": burstSeconds, "wireBytes": wireBytes, "wirePercent": Double(wireBytes) * 100 / Double(burstBytes), "frames": frames,
                          "framesPerSecond": Double(frames) / burstSeconds, "wireBytesPerSecond": Double(wireBytes) / burstSeconds, "helperCorrectAfterMilliseconds": correctAfter * 1000],
            ]
        }

        var text: String {
            String(
                format: "%@, %@: keystroke to echo on the Helper's screen p50 %.2f ms, p99 %.2f ms (%d keys); burst of %d MB in %.1f s: %d frames (%.0f/s), %d bytes on the wire (%.3f %% of the output, %.0f kB/s), the Helper's screen equal to the User's %.0f ms after the end",
                level.rawValue, burst.rawValue, Self.percentile(latencies, 0.5) * 1000, Self.percentile(latencies, 0.99) * 1000, latencies.count, burstBytes / 1_000_000, burstSeconds, frames,
                Double(frames) / burstSeconds, wireBytes, Double(wireBytes) * 100 / Double(burstBytes), Double(wireBytes) / burstSeconds / 1000, correctAfter * 1000)
        }
    }

    /// Per frame on the wire besides its body: record length (4), authentication tag (17), type and encoding (2).
    static let frameOverhead = 23
    static let marker = "BURST-END-7f3a"

    init(level: BandwidthLevel, keys: Int, burst: Burst, burstBytes: Int) {
        (self.level, self.keys, self.burst, self.burstBytes) = (level, keys, burst, burstBytes)
    }

    /// What the single loop reacts to.
    private enum Item {
        case user(Inbox.Item)
        case helper(EasyConnectEvent)
    }

    func measure() async throws -> Result {
        let root = NSTemporaryDirectory() + "easy-connect-terminal-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        // The session: an invitation file on disk, a Helper that opens it, the User who accepts.
        let filePassword = try InvitationFilePassword("benchmark-\(UUID().uuidString.prefix(8))")
        var userOptions = FileInviteOptions(
            session: SessionOptions(identity: LocalIdentity(key: Ed25519PrivateKey(), displayName: "User", computerName: "user-pc"), downloadDirectory: root), path: root + "/inv.MsRcIncident")
        userOptions.listenAddresses = ["127.0.0.1"]
        let user = try await EasyConnectSession.inviteByFile(options: userOptions, filePassword: filePassword)
        let opened = try InvitationFileStore.openInvitation(at: userOptions.path, filePassword: filePassword)
        let helper = try await EasyConnectSession.help(
            invitation: opened.invitation, password: opened.password,
            options: HelpOptions(session: SessionOptions(identity: LocalIdentity(key: Ed25519PrivateKey(), displayName: "Helper", computerName: "helper-pc"), downloadDirectory: root)))

        let (stream, continuation) = AsyncStream.makeStream(of: Item.self)
        let userInbox = Inbox(trapsSignals: false)
        userInbox.forward(user.events)
        let forwardUser = Task { for await item in userInbox.stream { continuation.yield(.user(item)) } }
        let forwardHelper = Task { for await event in helper.events { continuation.yield(.helper(event)) } }
        defer {
            forwardUser.cancel()
            forwardHelper.cancel()
        }

        // dd in raw mode, one byte a read, echoes each key as it comes; then the burst, then the marker.
        let echoed = keys + 20
        let program = "stty raw -echo; dd bs=1 count=\(echoed) status=none; stty sane; \(burst.command(bytes: burstBytes)); echo; echo \(Self.marker); exec sleep 600"
        let request = TerminalSharingRequest(arguments: ["/bin/sh", "-c", program], bandwidth: level, panicKey: .escape, headlessSize: TerminalSize(rows: 24, columns: 80))
        var terminal: SharedTerminalUser?
        var mirror = TerminalScreen(size: TerminalSize(rows: 24, columns: 80))
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var sentKeys = 0
        var letters = 0
        var keySent: ContinuousClock.Instant?
        var expected: (row: Int, column: Int, text: String)?
        var burstStart: ContinuousClock.Instant?
        var (framesBefore, bytesBefore) = (0, 0)
        var markerSeen: ContinuousClock.Instant?
        var outputBytes = 0
        var correct: ContinuousClock.Instant?
        var result: Result?
        let reduce = TerminalSharingPolicy(level).reducesColours
        let deadline = clock.now + .seconds(900)

        func sendKey() async throws {
            let letter = UInt8(ascii: "a") + UInt8(letters % 26)
            // Where the echo lands: 70 keys a line, then CR LF.
            let column = letters % 70
            let row = min(letters / 70, 23)
            var bytes = [letter]
            if column == 69 { bytes += [0x0D, 0x0A] }
            expected = (row, column, String(UnicodeScalar(letter)))
            keySent = clock.now
            letters += 1
            sentKeys += bytes.count
            try await helper.perform(.terminalInput(bytes))
        }
        func helperMatches(_ screen: TerminalScreen) -> Bool {
            guard mirror.size == screen.size, mirror.cursor == screen.cursor else { return false }
            return mirror.lines == (reduce ? screen.lines.map(\.reducedTo256) : screen.lines)
        }

        loop: for await item in stream {
            guard clock.now < deadline else { throw BenchmarkError("the \(level.rawValue) run did not finish within 15 minutes") }
            switch item {
            case .user(.event(let event)):
                switch event {
                case .consentRequest: try await user.perform(.accept(nil))
                case .connected(let peer, _, _, _):
                    terminal = try SharedTerminalUser(request: request, session: user, inbox: userInbox, helperName: peer.displayName, showLocally: false)
                case .controlRequested: try await user.perform(.grantControl)
                case .disconnected(let outcome): if result == nil { throw BenchmarkError("the session ended: \(outcome.message)") }
                default: await terminal?.handle(event)
                }
            case .user(.terminal(let t)):
                guard let terminal else { continue }
                switch t {
                case .output(let bytes, let done):
                    await terminal.output(bytes)
                    done()
                    if burstStart != nil { outputBytes += bytes.count }
                    if burstStart == nil, sentKeys >= echoed {
                        burstStart = clock.now
                        (framesBefore, bytesBefore) = (terminal.frames, terminal.frameBytes)
                    }
                    if markerSeen == nil, burstStart != nil, terminal.screen.text.contains(Self.marker) { markerSeen = clock.now }
                case .due: await terminal.due()
                case .outputEnded: throw BenchmarkError("the shared program ended early")
                case .windowChanged: break
                }
            case .user: break
            case .helper(let event):
                switch event {
                case .connected: try await helper.perform(.requestControl)
                case .controlGranted:
                    // Let the program switch its terminal to raw mode first (the line discipline would echo too).
                    try await Task.sleep(for: .milliseconds(300))
                    try await sendKey()
                case .terminalFrame(let encoding, let body):
                    let frame = try FrameCompression.decode(body, encoding: encoding)
                    guard frame.apply(to: &mirror) else { throw BenchmarkError("a frame did not fit the Helper's screen") }
                    if let e = expected, let sent = keySent, mirror.lines[e.row].cells[e.column].text == e.text {
                        if letters > 20 { latencies.append((clock.now - sent).seconds) }
                        expected = nil
                        if sentKeys < echoed {
                            // A key every 25 ms at most (40 a second: faster than anyone types).
                            let next = sent + .milliseconds(25)
                            if clock.now < next { try await Task.sleep(until: next, clock: clock) }
                            try await sendKey()
                        }
                    }
                    if let markerSeen, correct == nil, let terminal, helperMatches(terminal.screen) {
                        correct = clock.now
                        // The pseudo-terminal turns each LF into CR LF: at least the burst's bytes came through.
                        guard outputBytes >= burstBytes else {
                            throw BenchmarkError("the burst printed \(outputBytes) bytes, fewer than the \(burstBytes) asked for: \(terminal.screen.text.joined(separator: " / "))")
                        }
                        let seconds = (markerSeen - burstStart!).seconds
                        let frames = terminal.frames - framesBefore
                        let wire = terminal.frameBytes - bytesBefore + frames * Self.frameOverhead
                        result = Result(level: level, burst: burst, latencies: latencies, burstBytes: burstBytes, burstSeconds: seconds, wireBytes: wire, frames: frames, correctAfter: (clock.now - markerSeen).seconds)
                        break loop
                    }
                case .disconnected(let outcome): throw BenchmarkError("the Helper's session ended: \(outcome.message)")
                default: break
                }
            }
        }
        terminal?.stop()
        await helper.end()
        await user.end()
        _ = await user.outcome()
        _ = await helper.outcome()
        guard let result else { throw BenchmarkError("the \(level.rawValue) run stopped before its end") }
        return result
    }
}

extension Duration {
    /// In seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
