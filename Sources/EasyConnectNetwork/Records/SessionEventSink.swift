import EasyConnect

/// Where a session engine reports what happens: the stream the program reads, and, on the way, the session
/// log. The one place every event passes, in the event loop's order.
struct SessionEventSink: Sendable {
    /// The program's stream.
    let continuation: AsyncStream<EasyConnectEvent>.Continuation
    /// The session log, if one is kept.
    let log: SessionLogRecorder?

    /// Records `event` in the log, then hands it to the program.
    @discardableResult
    func yield(_ event: EasyConnectEvent) -> AsyncStream<EasyConnectEvent>.Continuation.YieldResult {
        log?.record(event)
        return continuation.yield(event)
    }

    /// Ends the stream.
    func finish() { continuation.finish() }
}
