import Dispatch
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
    }

    /// The items, in arrival order. Read by one task only.
    let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let signals: SignalTrap

    /// Starts trapping the signals; standard input is read once `readStandardInput()` is called.
    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        signals = SignalTrap(continuation: continuation)
    }

    /// Starts the thread that reads standard input line by line.
    func readStandardInput() {
        let continuation = self.continuation
        let thread = Thread {
            while let raw = readLine(strippingNewline: true) {
                continuation.yield(.line(raw.hasSuffix("\r") ? String(raw.dropLast()) : raw))
            }
            continuation.yield(.inputEnded)
        }
        thread.name = "easy-connect stdin"
        thread.start()
    }

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
    }
}
