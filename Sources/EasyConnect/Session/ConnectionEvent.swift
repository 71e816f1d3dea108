/// What a connection tells its driver and its person, in order.
public enum ConnectionEvent: Sendable, Hashable {
    /// Helper: this endpoint's greeting names our invitation (it wins the happy-eyeballs race).
    case greeted
    /// Both: the PAKE succeeded; the channel is encrypted.
    case authenticated
    /// User: a connection tried a password that does not match (or gave up mid-way); it counts
    /// against the invitation's attempts.
    case attemptFailed
    /// User: a Helper proved its identity and asks to connect; answer with `answerConsent`.
    case consentRequested(PeerIdentity)
    /// Helper: the User's identity is proven; waiting for the User to accept.
    case awaitingConsent(PeerIdentity)
    /// Both: the User accepted; the session is in Screen Sharing.
    case connected(PeerIdentity)
    /// A chat message from the other side (show it escaped: it came from the network).
    case chat(String)
    /// User: the Helper asks for control.
    case controlRequested
    /// Both: Control Sharing started.
    case controlGranted
    /// Both: the User refused control.
    case controlDenied
    /// Both: Control Sharing ended, and why.
    case controlEnded(ControlEndReason)
    /// Both: the User paused sharing.
    case paused
    /// Both: the User resumed sharing.
    case resumed
    /// Helper: a screen update of the User's shared terminal (decode it with `ScreenFrame`).
    case terminalFrame(encoding: FrameEncoding, body: [UInt8])
    /// User: the Helper's keystrokes, in Control Sharing: write them to the shared terminal.
    case terminalInput([UInt8])
    /// User: keystrokes the Helper sent without control (they crossed the end of control): not used.
    case terminalInputIgnored(bytes: Int)
    /// User: the size of the Helper's window for the shared screen.
    case terminalWindow(TerminalSize)
    /// Helper: the program in the User's shared terminal ended.
    case terminalClosed(String)
    /// The other side offers a file; answer with `acceptFile` or `declineFile`.
    case fileOffered(IncomingFileOffer)
    /// The other side accepted one of our offers: send its bytes with `sendFileData`, then `finishFile`.
    case fileAccepted(id: UInt32)
    /// The other side declined one of our offers.
    case fileDeclined(id: UInt32)
    /// Bytes of an incoming file, in order: append them to its partial file.
    case fileData(id: UInt32, bytes: ArraySlice<UInt8>)
    /// An incoming file is complete and its SHA-256 matches: store it, then call `confirmFileStored`.
    case fileComplete(id: UInt32, sha256: [UInt8])
    /// The other side stored one of our files under its final name.
    case fileDelivered(id: UInt32)
    /// A transfer failed or was cancelled; a partial incoming file must be removed.
    case fileFailed(id: UInt32, incoming: Bool, reason: String)
    /// The connection ended; nothing more will happen on it.
    case closed(DisconnectReason)
}

/// A file the other side offers.
public struct IncomingFileOffer: Sendable, Hashable {
    /// The transfer's ID (answer with it).
    public var id: UInt32
    /// The name as offered, for showing (escape it).
    public var offeredName: String
    /// A safe file name derived from it (`FileNameSanitizer`): no directories, no control characters.
    public var safeName: String
    /// Size in bytes.
    public var size: UInt64
}
