import EasyConnect
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program running in a pseudo-terminal of its own: the User's shell (or a given command) whose screen is
/// shared. The program is a session leader with the pseudo-terminal as its controlling terminal, with the
/// User's rights and environment (`TERM` set to what the emulator understands) and default signal handling.
///
/// Read its output with `read` (blocking: on a thread of its own), write keystrokes with `write` (queued and
/// written by a thread of its own: a program that reads nothing never blocks the caller), tell it the window
/// size with `resize`, learn how it ended with `wait`.
public final class PseudoTerminal: @unchecked Sendable {
    /// The controlling side (this process's end).
    public let master: Int32
    /// The program's process ID.
    public let pid: pid_t
    private let slavePath: String
    private let input: PendingInput
    /// Set once `wait` has reaped the program: its pid may then belong to another process.
    private let reaped = NSLock()
    private var isReaped = false

    /// Why a program could not be started.
    public struct StartError: Error, CustomStringConvertible {
        /// A sentence.
        public let description: String
    }

    /// Starts `arguments` (the first is looked up in `PATH`) in a new pseudo-terminal of `size`.
    public init(arguments: [String], size: TerminalSize, environment: [String: String]) throws(StartError) {
        guard let program = arguments.first, !program.isEmpty else { throw StartError(description: "no program to run") }
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw StartError(description: "cannot open a pseudo-terminal (/dev/ptmx): \(String(cString: strerror(errno)))") }
        // unlockpt and ptsname, as the Linux ioctls behind them (TIOCSPTLCK, TIOCGPTN); devpts needs no grantpt.
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            let why = String(cString: strerror(errno))
            close(master)
            throw StartError(description: "cannot set up the pseudo-terminal: \(why)")
        }
        let slavePath = "/dev/pts/\(number)"
        var window = winsize(ws_row: UInt16(size.rows), ws_col: UInt16(size.columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &window)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid (glibc applies the attributes first): it becomes the controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        // This process ignores SIGINT, SIGPIPE, SIGHUP …: the program must not inherit that.
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | setsid))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let status = posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(master)
            throw StartError(description: "cannot start \(program): \(String(cString: strerror(status)))")
        }
        self.master = master
        self.pid = child
        self.slavePath = slavePath
        input = PendingInput(master: master)
        let input = self.input
        let thread = Thread { input.run() }
        thread.name = "easy-connect terminal input"
        thread.start()
    }

    deinit {
        input.close()
        close(master)
    }

    /// Reads the program's output into `buffer`; 0 once it has ended (the last holder of the terminal closed it).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = Glibc.read(master, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            return 0  // EIO: no process holds the terminal any more
        }
    }

    /// Queues keystrokes for the program; false (nothing queued) when more than `limit` bytes would wait.
    @discardableResult
    public func write(_ bytes: [UInt8], limit: Int = 1 << 20) -> Bool {
        input.append(bytes, limit: limit)
    }

    /// Drops keystrokes not yet read by the program: those still queued here and those in the terminal's
    /// input buffer (control was taken back: what the Helper typed must not run).
    public func discardPendingInput() {
        input.clear()
        let slave = open(slavePath, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard slave >= 0 else { return }
        tcflush(slave, TCIFLUSH)
        Glibc.close(slave)
    }

    /// Tells the program its window size (it gets SIGWINCH).
    public func resize(to size: TerminalSize) {
        var window = winsize(ws_row: UInt16(size.rows), ws_col: UInt16(size.columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &window)
    }

    /// Ends the program: SIGHUP to its process group, as a closing terminal does.
    public func hangUp() {
        reaped.lock()
        defer { reaped.unlock() }
        guard !isReaped else { return }
        kill(-pid, SIGHUP)
        kill(pid, SIGHUP)
    }

    /// Waits (up to a minute) for the program to end; a sentence saying how it ended.
    public func wait() -> String { wait(upTo: .seconds(60)) }

    /// Waits up to `limit` for the program to end; a sentence saying how it ended ("exited with status 0",
    /// "was killed by signal 9"). A program still running then (it closed the terminal but goes on) is
    /// hung up on.
    public func wait(upTo limit: Duration) -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                reaped.lock()
                isReaped = true
                reaped.unlock()
                break
            }
            if r < 0, errno != EINTR { return "ended" }
            if clock.now >= deadline {
                hangUp()
                return "closed its terminal"
            }
            usleep(10_000)
        }
        let low = status & 0x7f
        if low == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(low)"
    }
}

/// Keystrokes waiting to be written to a pseudo-terminal, and the loop of the thread that writes them.
private final class PendingInput: @unchecked Sendable {
    private let master: Int32
    private let condition = NSCondition()
    private var queued: [UInt8] = []
    private var closed = false

    init(master: Int32) { self.master = master }

    func append(_ bytes: [UInt8], limit: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, queued.count + bytes.count <= limit else { return false }
        queued += bytes
        condition.signal()
        return true
    }

    func clear() {
        condition.lock()
        queued = []
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// Writes what is queued, blocking while the program does not read, until `close`.
    func run() {
        while true {
            condition.lock()
            while queued.isEmpty, !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let bytes = queued
            queued = []
            condition.unlock()
            FileDescriptor.writeAll(master, bytes)
        }
    }
}
