import EasyConnect
import EasyConnectTerminal
import NetworkLab
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Programs in a pseudo-terminal of their own: their output, exit status, window size (at start and after a
/// resize), the line discipline's echo, and default signal handling whatever this process ignores. Every
/// read waits with `poll` under a deadline; every program is waited for.
@Suite("PseudoTerminal: a program in a pty", .serialized, .timeLimit(.minutes(1)))
struct PseudoTerminalTests {
    static let environment = ["PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "PS1": "$ ", "HOME": "/tmp", "LC_ALL": "C"]

    /// Reads until `done` holds for the output, the program's side closes, or `seconds` pass; waits off the
    /// cooperative pool.
    static func read(_ pty: PseudoTerminal, seconds: Double = 10, until done: @escaping @Sendable (String) -> Bool = { _ in false }) async throws -> String {
        try await offCooperativePool { readBlocking(pty, seconds: seconds, until: done) }
    }

    private static func readBlocking(_ pty: PseudoTerminal, seconds: Double, until done: (String) -> Bool) -> String {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline {
            var descriptor = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
            let left = deadline - clock.now
            let ready = poll(&descriptor, 1, Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { break }
            let count = buffer.withUnsafeMutableBytes { pty.read(into: $0) }
            guard count > 0 else { break }
            output += buffer[0..<count]
            if done(String(decoding: output, as: UTF8.self)) { break }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Runs `script` with `/bin/sh -c` in a pty of `size`, then hangs up and waits whatever happens.
    static func run(_ script: String, size: TerminalSize = TerminalSize(rows: 24, columns: 80), _ body: (PseudoTerminal) async throws -> Void) async throws -> String {
        let pty = try PseudoTerminal(arguments: ["/bin/sh", "-c", script], size: size, environment: environment)
        defer { pty.hangUp() }
        try await body(pty)
        return try await wait(pty)
    }

    /// `pty.wait()`, off the cooperative pool.
    static func wait(_ pty: PseudoTerminal) async throws -> String {
        try await offCooperativePool { pty.wait() }
    }

    @Test("Output is read, then the end; wait() reports the exit status")
    func outputAndExitStatus() async throws {
        var output = ""
        let status = try await Self.run("printf hello; exit 3") { output = try await Self.read($0) }
        #expect(output == "hello")
        #expect(status == "exited with status 3")
    }

    @Test("The program has the pty as its terminal, of the given size, and the environment given")
    func sizeAndEnvironment() async throws {
        var output = ""
        let status = try await Self.run("stty size; tty; printf '%s\\n' \"$TERM\"", size: TerminalSize(rows: 33, columns: 101)) { output = try await Self.read($0) }
        let lines = output.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "33 101")
        #expect(lines.dropFirst().first?.hasPrefix("/dev/pts/") == true, "\(lines)")
        #expect(lines.last == "xterm-256color")
        #expect(status == "exited with status 0")
    }

    @Test("resize changes the size the program sees")
    func resize() async throws {
        var first = "", second = ""
        _ = try await Self.run("stty size; read line; stty size") { pty in
            first = try await Self.read(pty) { $0.contains("24 80\r\n") }
            pty.resize(to: TerminalSize(rows: 12, columns: 34))
            pty.write(Array("\r".utf8))
            second = try await Self.read(pty) { $0.contains("12 34") }
        }
        #expect(first.contains("24 80"))
        #expect(second.contains("12 34\r\n"))
    }

    @Test("Keystrokes reach an interactive shell, echoed by the line discipline")
    func interactiveShell() async throws {
        let pty = try PseudoTerminal(arguments: ["sh"], size: TerminalSize(rows: 24, columns: 80), environment: Self.environment)
        defer { pty.hangUp() }
        _ = try await Self.read(pty) { $0.contains("$ ") }
        pty.write(Array("echo hi\r".utf8))
        let output = try await Self.read(pty) { $0.contains("echo hi\r\nhi\r\n") }
        #expect(output.contains("echo hi\r\nhi\r\n"), "\(output.debugDescription)")
        pty.write(Array("exit 7\r".utf8))
        _ = try await Self.read(pty)
        #expect(try await Self.wait(pty) == "exited with status 7")
    }

    @Test("A signal this process ignores is not ignored by the program")
    func signalsAreDefault() async throws {
        // The test process ignores SIGINT just while the program starts (as easy-connect does throughout).
        let previous = signal(SIGINT, SIG_IGN)
        let pty: PseudoTerminal
        do {
            defer { signal(SIGINT, previous) }
            pty = try PseudoTerminal(arguments: ["/bin/sh", "-c", "kill -INT $$; echo survived"], size: TerminalSize(rows: 24, columns: 80), environment: Self.environment)
        }
        defer { pty.hangUp() }
        let output = try await Self.read(pty)
        #expect(!output.contains("survived"))
        #expect(try await Self.wait(pty) == "was killed by signal \(SIGINT)")
    }

    @Test("hangUp ends a program that would run on; wait() says it was killed by SIGHUP")
    func hangUp() async throws {
        let pty = try PseudoTerminal(arguments: ["sleep", "30"], size: TerminalSize(rows: 5, columns: 5), environment: Self.environment)
        let clock = ContinuousClock()
        let start = clock.now
        pty.hangUp()
        #expect(try await Self.wait(pty) == "was killed by signal \(SIGHUP)")
        #expect(clock.now - start < .seconds(5))
    }

    @Test("No program, or one that does not exist, is a StartError")
    func startErrors() {
        #expect(throws: PseudoTerminal.StartError.self) { try PseudoTerminal(arguments: [], size: TerminalSize(rows: 5, columns: 5), environment: [:]) }
        #expect(throws: PseudoTerminal.StartError.self) { try PseudoTerminal(arguments: [""], size: TerminalSize(rows: 5, columns: 5), environment: [:]) }
        #expect(throws: PseudoTerminal.StartError.self) {
            try PseudoTerminal(arguments: ["/nonexistent/program-\(getpid())"], size: TerminalSize(rows: 5, columns: 5), environment: [:])
        }
    }

    @Test("A program's output through the emulator: what `printf` draws is on the screen")
    func throughTheEmulator() async throws {
        let size = TerminalSize(rows: 4, columns: 20)
        let emulator = VTermEmulator(size: size)
        _ = try await Self.run("printf '\\033[31mred\\033[0m\\nnext'", size: size) { pty in emulator.write(Array(try await Self.read(pty).utf8)) }
        #expect(emulator.screen.text == ["red", "next", "", ""], "ONLCR turns \\n into \\r\\n")
        #expect(emulator.screen[0, 0].style.foreground == .indexed(1))
    }
}
