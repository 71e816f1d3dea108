/// What a `ControlServer` hands each request to: the daemon's logic, or a test double.
public protocol ControlHandler: Sendable {
    /// Answers `request`. Never throws: every failure is a `ControlResponse.failure`.
    func handle(_ request: ControlRequest) async -> ControlResponse
}
