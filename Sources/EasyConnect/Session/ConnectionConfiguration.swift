import PNRP

/// Timers and limits of a connection. The defaults are what the `easy-connect` command uses; tests shorten them.
public struct ConnectionConfiguration: Sendable, Hashable {
    /// How long the handshake may take, from the TCP connection to the identity proofs.
    public var handshakeTimeout = NodeDuration.seconds(15)
    /// How long the User has to answer the consent question (2 minutes, as in Windows Remote Assistance).
    public var consentTimeout = NodeDuration.minutes(2)
    /// A ping is sent when this side has sent nothing for this long.
    public var keepaliveInterval = NodeDuration.seconds(2)
    /// The peer is considered gone after this long without any record from it. Pings every 2 seconds keep
    /// a quiet session audible; a network drop of up to about 10 seconds is ridden out (TCP retransmits
    /// what was lost once the path is back), a longer silence ends the session.
    public var silenceLimit = NodeDuration.seconds(20)
    /// After telling a Helper its password does not match, how long it waits for the User's verdict
    /// (the User may answer that the invitation is now withdrawn).
    public var refusalLinger = NodeDuration.seconds(1)
    /// Largest record accepted from the peer.
    public var maximumRecordBytes = 1 << 20
    /// Most files the other side may offer at once.
    public var maximumPendingOffers = 16

    /// The defaults.
    public init() {}
}

/// Which side of Remote Assistance a connection is on.
public enum ConnectionRole: String, Sendable, Hashable {
    /// The person asking for help (novice), who published the invitation.
    case user
    /// The person helping (expert), who found the invitation.
    case helper
}

/// The sharing states of Remote Assistance (`shared/REMOTE-ASSISTANCE.md`, "Session states").
public enum SharingState: String, Sendable, Hashable {
    /// An invitation exists and no Helper has been accepted yet.
    case waitingForConnect
    /// The User consented; the Helper sees but cannot act.
    case screenSharing
    /// The Helper asked for control and the User consented.
    case controlSharing
}
