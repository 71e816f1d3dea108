import EasyConnect

/// What an Easy Connect session tells the program driving it (the `easy-connect` command prints each as a
/// line, or as one JSON object with `--json`). Texts that came from the other side are raw here: escape
/// them before showing (`DisplayText.escaped`).
public enum EasyConnectEvent: Sendable, Hashable {
    /// Which PNRP node publishes and resolves (a running `pnrp node`, or one embedded in this process).
    case nameService(String)
    /// User: the invitation is published; read `password` to the Helper.
    case invitation(password: String, expiresAt: UInt64, endpoints: [String])
    /// User: an invitation for one contact (contact help) is published under the User's own contact address;
    /// only that contact can open it.
    case contactInvitation(contact: String, name: String, address: String, expiresAt: UInt64, endpoints: [String])
    /// User: the invitation file is written at `path`; send it to the Helper and tell them its password.
    case invitationFile(path: String, expiresAt: UInt64, endpoints: [String])
    /// Progress the person should see ("attempting to connect", "waiting for acceptance", …).
    case status(SessionStatus)
    /// User: someone tried a wrong password; `remaining` attempts are left before the invitation is withdrawn.
    case attemptFailed(remaining: Int)
    /// User: "Would you like to allow <helper> to connect to your computer?" (answer with `.accept`/`.decline`).
    case consentRequest(ConnectionID, PeerIdentity)
    /// User: a Helper the settings do not accept (offers off, or not on the allowed list) was refused
    /// without asking; `reason` is what it was told.
    case helperRefused(PeerIdentity, reason: String)
    /// User: an offer listener waits for Helpers offering help (msra `/offerRA`), reachable at `endpoints`
    /// and, through the cloud, at the contact address `address`.
    case offerListening(address: String, expiresAt: UInt64, endpoints: [String])
    /// User: the Helper being asked about left before an answer.
    case consentCancelled(ConnectionID)
    /// Both: the session started (Screen Sharing); `remote` is the peer's address (the relay's when relayed),
    /// `path` how the connection got through (direct, punched through NATs, or relayed). Helper only:
    /// `firstByte`, the time from its first connection attempt to the User's first byte on the path that won.
    case connected(PeerIdentity, remote: String, path: SessionPath, firstByte: Duration? = nil)
    /// A chat message from the other side.
    case chat(String)
    /// The other side offers a file (answer with `.acceptFile(id)` or `.declineFile(id)`).
    case fileOffer(id: UInt32, name: String, safeName: String, bytes: UInt64)
    /// Bytes of a file done so far, at most a few times a second.
    case fileProgress(id: UInt32, direction: FileDirection, bytes: UInt64, total: UInt64)
    /// An incoming file is verified and stored at `path`.
    case fileReceived(id: UInt32, path: String, bytes: UInt64, sha256: String)
    /// One of our files was stored by the other side (it verified the SHA-256).
    case fileSent(id: UInt32, name: String, bytes: UInt64, sha256: String)
    /// The other side declined one of our files.
    case fileDeclined(id: UInt32)
    /// A transfer failed or was cancelled; nothing was left half-written.
    case fileFailed(id: UInt32, direction: FileDirection, reason: String)
    /// User: the Helper asks for control (answer with `.grantControl` / `.denyControl`).
    case controlRequested
    /// Control Sharing started.
    case controlGranted
    /// The User refused control.
    case controlDenied
    /// Control Sharing ended.
    case controlEnded(ControlEndReason)
    /// Helper: a screen update of the User's shared terminal (decode the body as a `ScreenFrame`).
    case terminalFrame(encoding: FrameEncoding, body: [UInt8])
    /// User: keystrokes from the Helper, who has control: write them to the shared terminal.
    case terminalInput([UInt8])
    /// User: keystrokes the Helper sent without control (they crossed its end) were dropped.
    case terminalInputIgnored(bytes: Int)
    /// User: the size of the Helper's window for the shared screen.
    case terminalWindow(TerminalSize)
    /// Helper: the program in the User's shared terminal ended.
    case terminalClosed(String)
    /// The User paused sharing.
    case paused
    /// The User resumed sharing.
    case resumed
    /// The session (or the attempt to start one) is over; the stream finishes after this.
    case disconnected(SessionOutcome)
}

/// Which way a file goes.
public enum FileDirection: String, Sendable, Hashable {
    /// From this side to the other.
    case outgoing
    /// From the other side to this one.
    case incoming
}

/// Progress shown to the person.
public enum SessionStatus: String, Sendable, Hashable {
    /// User: published, waiting for a Helper.
    case waitingForHelper = "waiting for a helper"
    /// Helper: looking up the invitation and connecting to it.
    case attemptingToConnect = "attempting to connect"
    /// Helper: connected and authenticated, waiting for the User to accept.
    case waitingForAcceptance = "waiting for acceptance"
}

/// How a session, or an attempt at one, ended. `exitStatus` is what the command exits with.
public struct SessionOutcome: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of ending.
    public enum Kind: String, Sendable, Hashable {
        /// A session took place and one side ended it.
        case ended
        /// The password does not match the invitation.
        case wrongPassword = "wrong-password"
        /// The invitation was withdrawn after too many wrong passwords.
        case withdrawn
        /// Nobody answered in time (consent, connecting, expiry of a waiting invitation).
        case timedOut = "timed-out"
        /// The other side refused (declined, busy, cancelled).
        case refused
        /// No invitation was found for the password.
        case notFound = "not-found"
        /// The invitation found had expired.
        case expired
        /// The connection was lost (the peer was killed, the network failed).
        case connectionLost = "connection-lost"
        /// No cloud could be used to publish or resolve.
        case noCloud = "no-cloud"
        /// The peer broke the protocol.
        case protocolError = "protocol-error"
        /// Something failed inside this program.
        case internalError = "internal"
        /// A contact proved a key other than the one its trust record holds.
        case keyMismatch = "key-mismatch"
    }

    /// The kind.
    public var kind: Kind
    /// A sentence for the person.
    public var message: String

    /// Builds an outcome.
    public init(_ kind: Kind, _ message: String) { (self.kind, self.message) = (kind, message) }

    /// The exit status of the `easy-connect` command for this outcome (documented in README.md).
    public var exitStatus: Int32 {
        switch kind {
        case .ended: 0
        case .internalError: 1
        case .notFound: 3
        case .timedOut: 4
        case .noCloud: 5
        case .wrongPassword: 6
        case .withdrawn: 7
        case .refused: 8
        case .connectionLost: 9
        case .expired: 10
        case .protocolError: 11
        case .keyMismatch: 14
        }
    }

    public var description: String { message }

    /// The outcome of a connection that ended for `reason`.
    public init(_ reason: DisconnectReason) {
        switch reason {
        case .local, .peerEnded: self.init(.ended, reason.description)
        case .refusedByPeer(let r), .refusedByUs(let r):
            let kind: Kind =
                switch r.code {
                case .passwordMismatch: .wrongPassword
                case .invitationWithdrawn: .withdrawn
                case .consentTimedOut: .timedOut
                case .expired: .expired
                case .protocolViolation, .unsupportedVersion: .protocolError
                case .keyMismatch: .keyMismatch
                case .noSuchInvitation, .declined, .busy, .notAllowed, .other, .normal: .refused
                }
            self.init(kind, reason.description)
        case .connectionLost, .peerSilent: self.init(.connectionLost, reason.description)
        case .handshakeTimedOut, .consentTimedOut: self.init(.timedOut, reason.description)
        case .protocolViolation: self.init(.protocolError, reason.description)
        }
    }
}
