import Dispatch
import EasyConnectTerminal
import NIOConcurrencyHelpers
import EasyConnectNetwork
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything the command reacts to, as one ordered stream: lines of standard input (read on a thread of
/// their own, so a blocking `read` never holds a thread of the cooperative pool), SIGINT/SIGTERM/SIGHUP
/// (through Dispatch signal sources), and the session's events.
final class Inbox: Sendable {
    /// One thing that happened.
    enum Item: Sendable {
        /// A line of standard input, without its line ending.
        case line(String)
        /// Standard input reached its end (or failed).
        case inputEnded
        /// SIGINT, SIGTERM or SIGHUP arrived.
        case signal(Int32)
        /// The session reported an event.
        case event(EasyConnectEvent)
        /// A deadline set with `wake(after:)` passed.
        case deadline
        /// Keys typed while standard input is in raw mode (a shared terminal is shown): one read's worth.
        case keys([UInt8])
        /// Something of the shared terminal (its output, its end, a timer, the window's new size).
        case terminal(TerminalItem)
    }

    /// What a shared terminal reports to the runner.
    enum TerminalItem: Sendable {
        /// Output of the shared program; `done` must be called once it is processed (flow control).
        case output([UInt8], done: @Sendable () -> Void)
        /// The shared program closed its terminal.
        case outputEnded
        /// A frame or a redraw that was put off is due.
        case due
        /// The local window changed size (SIGWINCH).
        case windowChanged
    }

    /// The items, in arrival order. Read by one task only.
    let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let signals: SignalTrap?
    private let rawMode = NIOLockedValueBox(false)

    /// Starts trapping the signals; standard input is read once `readStandardInput()` is called.
    init(trapsSignals: Bool = true) {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        signals = trapsSignals ? SignalTrap(continuation: continuation) : nil
    }

    /// Starts the thread that reads standard input: line by line, or key by key once `rawInput` is set.
    func readStandardInput() {
        let continuation = self.continuation
        let mode = rawMode
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { break }
                if mode.withLockedValue({ $0 }) {
                    // A line typed before the switch is dropped with the switch: keys from now on.
                    pending = []
                    continuation.yield(.keys(Array(buffer[0..<n])))
                    continue
                }
                pending.append(contentsOf: buffer[0..<n])
                while let newline = pending.firstIndex(of: 0x0A) {
                    var line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.last == 0x0D { line.removeLast() }
                    continuation.yield(.line(String(decoding: line, as: UTF8.self)))
                }
            }
            if !pending.isEmpty, !mode.withLockedValue({ $0 }) { continuation.yield(.line(String(decoding: pending, as: UTF8.self))) }
            continuation.yield(.inputEnded)
        }
        thread.name = "easy-connect stdin"
        thread.start()
    }

    /// Whether standard input is read key by key (a shared terminal is shown) rather than line by line.
    func setRawInput(_ raw: Bool) { rawMode.withLockedValue { $0 = raw } }

    /// Delivers `item` (from a thread of the shared terminal, or a timer).
    func post(_ item: Item) { continuation.yield(item) }

    /// Forwards a session's events until its stream ends.
    func forward(_ events: AsyncStream<EasyConnectEvent>) {
        let continuation = self.continuation
        Task {
            for await event in events { continuation.yield(.event(event)) }
        }
    }

    /// Delivers `.deadline` after `duration`.
    func wake(after duration: Duration) {
        let continuation = self.continuation
        Task {
            try? await Task.sleep(for: duration)
            continuation.yield(.deadline)
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP as Dispatch signal sources (their default action is ignored first). The first
/// signal is delivered to the inbox, which ends the session gracefully; another one stops the process at
/// once (exit status 1) in case the graceful end hangs.
private final class SignalTrap: @unchecked Sendable {
    /// The sources, kept alive; touched only in `init`.
    private var sources: [any DispatchSourceSignal] = []
    /// Signals seen so far; touched only on `queue`.
    private var count = 0
    private let queue = DispatchQueue(label: "easy-connect signals")

    init(continuation: AsyncStream<Inbox.Item>.Continuation) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                count += 1
                if count == 1 {
                    continuation.yield(.signal(number))
                } else {
                    LocalTerminal.restoreBeforeExit()
                    let text = "easy-connect: second signal, stopping at once\n"
                    _ = text.withCString { write(2, $0, strlen($0)) }
                    _exit(ExitStatus.internalError.rawValue)
                }
            }
            source.resume()
            sources.append(source)
        }
        // A script that closes its end of our standard output must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // The window's size, for a shared terminal.
        signal(SIGWINCH, SIG_IGN)
        let resize = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: queue)
        resize.setEventHandler { continuation.yield(.terminal(.windowChanged)) }
        resize.resume()
        sources.append(resize)
    }
}
