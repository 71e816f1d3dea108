/// Why a `PeerNameService` could not publish or resolve, with a message a person can act on.
public enum NameServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Every open cloud answered that nobody publishes the name, or only with records that did not verify
    /// ([MS-PNRP] 3.1.4.4.2 step 8, 3.1.5.6.1.1).
    case notFound
    /// No verified answer within the time limit, and no cloud could say the name is absent.
    case timedOut
    /// No cloud is open to publish or resolve in; the text says which and why.
    case noCloud(String)
    /// The publication or request was refused; the text says what to change.
    case refused(String)
    /// The service cannot be used now (no daemon, a daemon stopping, a node that knows no other node yet);
    /// the text says what to do.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound: "nobody publishes this name in any open cloud (or its records did not verify); check the name, or whether its publisher is running"
        case .timedOut: "no verified answer within the time limit; the publisher may be offline or the cloud slow: try again or allow more time"
        case .noCloud(let why): "no cloud to use: \(why)"
        case .refused(let why): "refused: \(why)"
        case .unavailable(let why): "the name service is unavailable: \(why)"
        }
    }
}
