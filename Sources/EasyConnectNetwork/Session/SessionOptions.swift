import EasyConnect
import NIOCore
import NIOPosix

/// Settings shared by both sides of a session.
public struct SessionOptions: Sendable {
    /// Who this side is: the key of its trust records and the names shown to the other side.
    public var identity: LocalIdentity
    /// Where received files go (created when missing).
    public var downloadDirectory: String
    /// Timers of the connection (consent, keepalive, silence).
    public var connection = ConnectionConfiguration()
    /// Cost and epochs of the rendezvous derivation; both sides must agree.
    public var rendezvous = RendezvousParameters.standard
    /// Size of the file chunks sent.
    public var chunkBytes = 256 * 1024
    /// The event loops of the sockets; nil (the default) gives each session a thread of its own, which
    /// also reads and writes its files (page-cache operations kept next to the encryption).
    public var group: (any EventLoopGroup)?
    /// Where this side keeps a log of each session (`YYYYMMDDHHMMSS.xml`, see `SessionLogWriter`), usually
    /// `<data directory>/Remote Assistance Logs`; created with mode 0700 when missing. nil: no log.
    public var sessionLogDirectory: String? = nil

    /// Settings with `identity` and `downloadDirectory`, defaults elsewhere.
    public init(identity: LocalIdentity, downloadDirectory: String) {
        self.identity = identity
        self.downloadDirectory = downloadDirectory
    }
}

/// Settings of the User's side (`easy-connect invite`).
public struct InviteOptions: Sendable {
    /// Shared settings.
    public var session: SessionOptions
    /// How long the invitation waits for a Helper: at most 30 minutes ([MS-RAIOP] 3.1.2.1).
    public var lifetime = Duration.seconds(1800)
    /// Addresses to listen on and publish (`192.0.2.5`, `::1`, `fe80::1%eth0`); empty: every address of
    /// the machine, on one dual-stack socket.
    public var listenAddresses: [String] = []
    /// TCP port of the listener; 0 picks a free one.
    public var port: UInt16 = 0
    /// Attempts and handshake limits.
    public var invitation = UserInvitationConfiguration()

    /// The longest lifetime allowed.
    public static let maximumLifetime = Duration.seconds(1800)

    /// Settings with defaults.
    public init(session: SessionOptions) { self.session = session }
}

/// Settings of the Helper's side (`easy-connect help`).
public struct HelpOptions: Sendable {
    /// Shared settings.
    public var session: SessionOptions
    /// How long one lookup of the invitation may take.
    public var resolveTimeout = Duration.seconds(10)
    /// How long one TCP connection attempt may take.
    public var connectTimeout = Duration.seconds(5)

    /// Settings with defaults.
    public init(session: SessionOptions) { self.session = session }
}
