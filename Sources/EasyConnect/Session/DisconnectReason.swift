/// Why a connection ended, from this side's point of view.
public enum DisconnectReason: Sendable, Hashable, CustomStringConvertible {
    /// This side ended it (`/quit`, `disconnect`), with the reason it gave.
    case local(String)
    /// The other side ended the session normally, with its reason.
    case peerEnded(String)
    /// The other side refused (wrong password, withdrawn, declined, busy, expired …).
    case refusedByPeer(Refusal)
    /// This side refused the other (and told it).
    case refusedByUs(Refusal)
    /// The TCP connection closed or failed without a goodbye: the peer was killed or the network dropped.
    case connectionLost
    /// Nothing arrived from the peer for `seconds` although it should send every few seconds.
    case peerSilent(seconds: Int)
    /// The handshake did not finish in time.
    case handshakeTimedOut
    /// The User did not answer the consent question in time (Helper side: no answer came).
    case consentTimedOut
    /// The peer broke the protocol (malformed or forbidden message); it was told why.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .local(let why): why.isEmpty ? "you ended the session" : "you ended the session (\(DisplayText.escaped(why)))"
        case .peerEnded(let why): why.isEmpty ? "the other side ended the session" : "the other side ended the session: \(DisplayText.escaped(why))"
        case .refusedByPeer(let r): DisplayText.escaped(r.reason)
        case .refusedByUs(let r): DisplayText.escaped(r.reason)
        case .connectionLost: "the connection was lost: the other side stopped or the network failed"
        case .peerSilent(let s): "nothing heard from the other side for \(s) seconds: the connection is considered lost"
        case .handshakeTimedOut: "the connection did not complete its handshake in time"
        case .consentTimedOut: "the person you are trying to help isn't responding"
        case .protocolViolation(let why): "the other side broke the protocol: \(DisplayText.escaped(why))"
        }
    }
}
