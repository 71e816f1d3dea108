/// How a session's connection got from the Helper to the User, in order of cost (`docs/deviations.md`, E11).
public enum SessionPath: String, Hashable, Sendable, CustomStringConvertible {
    /// A connection to one of the User's own addresses.
    case direct
    /// A TCP simultaneous open through both NATs, timed by a `PunchOffer` sent through the User's relay.
    case punched
    /// Through the User's stream relay, which sees only sizes and timing: the session is encrypted end to end.
    case relayed

    public var description: String { rawValue }
}
