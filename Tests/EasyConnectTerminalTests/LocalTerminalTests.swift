import EasyConnect
import EasyConnectTerminal
import NetworkLab
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The person's terminal, stood in for by a pseudo-terminal this test holds both ends of: its size, raw mode
/// and the alternate screen on `enter`, everything as it was after `restore`.
@Suite("LocalTerminal: raw mode and the alternate screen, on a pty", .timeLimit(.minutes(1)))
struct LocalTerminalTests {
    /// A pty pair: (controlling side, terminal side).
    static func openPair(rows: UInt16, columns: UInt16) throws -> (master: Int32, slave: Int32) {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        // unlockpt and ptsname as their Linux ioctls (TIOCSPTLCK, TIOCGPTN).
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let ready = master >= 0 && ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0
        try #require(ready)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        var window = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &window)
        return (master, slave)
    }

    /// What the terminal side wrote, read from the controlling side until nothing comes for a moment (off the
    /// cooperative pool).
    static func drain(_ fd: Int32) async throws -> String {
        try await offCooperativePool { drainBlocking(fd) }
    }

    private static func drainBlocking(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func mode(_ fd: Int32) -> termios {
        var t = termios()
        tcgetattr(fd, &t)
        return t
    }

    @Test("Size, raw mode with the alternate screen, and back")
    func enterAndRestore() async throws {
        let (master, slave) = try Self.openPair(rows: 30, columns: 100)
        defer { close(master); close(slave) }
        let local = LocalTerminal(input: slave, output: slave)
        #expect(local.isTerminal)
        #expect(local.size == TerminalSize(rows: 30, columns: 100))
        let before = Self.mode(slave)
        #expect(before.c_lflag & tcflag_t(ICANON | ECHO) != 0)
        #expect(local.enter())
        let raw = Self.mode(slave)
        #expect(raw.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0, "raw: no line editing, no echo, no signal keys")
        #expect(try await Self.drain(master).hasPrefix("\u{1B}[?1049h"))
        #expect(local.enter(), "entering twice changes nothing")
        local.write(Array("drawn".utf8))
        #expect(try await Self.drain(master) == "drawn")
        local.restore()
        let after = Self.mode(slave)
        #expect(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag && after.c_oflag == before.c_oflag)
        let restored = try await Self.drain(master)
        #expect(restored.hasSuffix("\u{1B}[?1049l") && restored.contains("\u{1B}[?25h"))
        local.restore()
        #expect(try await Self.drain(master).isEmpty, "restoring twice writes nothing")
    }

    @Test("Not a terminal: enter refuses and changes nothing")
    func notATerminal() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let local = LocalTerminal(input: fds[0], output: fds[1])
        #expect(!local.isTerminal)
        #expect(local.size == nil)
        #expect(!local.enter())
        local.restore()
        var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 50) == 0, "nothing written")
    }
}
