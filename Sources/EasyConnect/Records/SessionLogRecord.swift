/// One time-stamped element of a session log: what happened (`kind`), when (local time), a sentence for
/// people (`EVENT`), details (`fields`) and, for a chat message, its text (`name: message`). Every text is
/// cleaned on the way in (`SessionLogText`): a record holds no control character, whatever the network sent.
public struct SessionLogRecord: Sendable, Hashable {
    /// What a record says happened; the raw value is the XML element's name.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// User: the invitation was published (a password was shown).
        case invitationCreated = "INVITATION_CREATED"
        /// Helper: the invitation was found and opened with the password.
        case invitationOpened = "INVITATION_OPENED"
        /// User: someone tried a wrong password.
        case passwordAttemptFailed = "PASSWORD_ATTEMPT_FAILED"
        /// User: the Helper's address; Helper: the address it connected to.
        case incomingIPAddress = "INCOMING_IP_ADDRESS"
        /// The User accepted the Helper: the session started (Screen Sharing).
        case connectionEstablished = "CONNECTION_ESTABLISHED"
        /// The User declined a Helper (or did not answer), or the Helper was refused.
        case connectionRefused = "CONNECTION_REFUSED"
        /// A chat message, either way; the text is `name: message`.
        case chatMessage = "CHAT_MESSAGE"
        /// The Helper asked for control.
        case expertRequestControl = "EXPERT_REQUEST_CONTROL"
        /// The User granted control.
        case expertGrantedControl = "EXPERT_GRANTED_CONTROL"
        /// The User refused control.
        case expertDeniedControl = "EXPERT_DENIED_CONTROL"
        /// Control Sharing started.
        case expertControlStarted = "EXPERT_CONTROL_STARTED"
        /// Control Sharing ended (the Helper gave it up, the User took it back, or the panic key).
        case expertControlEnded = "EXPERT_CONTROL_ENDED"
        /// A file was offered, either way.
        case fileOffered = "FILE_OFFERED"
        /// One of our files was stored by the other side, SHA-256 verified.
        case fileSent = "FILE_SENT"
        /// A file from the other side was stored here, SHA-256 verified.
        case fileReceived = "FILE_RECEIVED"
        /// A file offer was declined, either way.
        case fileDeclined = "FILE_DECLINED"
        /// A transfer failed or was cancelled.
        case fileFailed = "FILE_FAILED"
        /// The User paused sharing.
        case sessionPaused = "SESSION_PAUSED"
        /// The User resumed sharing.
        case sessionResumed = "SESSION_RESUMED"
        /// The User's terminal is shared: its screen is shown to the Helper (`ROWS`, `COLUMNS`).
        case terminalShared = "TERMINAL_SHARED"
        /// The shared terminal's program ended (`REASON`).
        case terminalClosed = "TERMINAL_CLOSED"
        /// Keystrokes the Helper sent without control were dropped (`SIZE`: how many bytes).
        case expertInputIgnored = "EXPERT_INPUT_IGNORED"
        /// The session, or the attempt at one, ended.
        case connectionEnded = "CONNECTION_ENDED"
        /// The invitation is closed: no Helper can use it any more.
        case invitationClosed = "INVITATION_CLOSED"
        /// The log reached its size limit: from here on, records the other side can repeat at will (chat,
        /// offers, requests) are not logged; `OMITTED` counts them in the one written before the end.
        case recordsOmitted = "RECORDS_OMITTED"

        /// Records the other side can make this side write as often as it likes; the first to go when the log
        /// is full, so that they cannot push out what matters (control, files, the end).
        public var isRepeatable: Bool {
            switch self {
            case .chatMessage, .fileOffered, .fileDeclined, .fileFailed, .expertRequestControl, .expertDeniedControl, .passwordAttemptFailed,
                .connectionRefused, .incomingIPAddress, .expertInputIgnored:
                true
            default: false
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// When, local time.
    public let time: SessionLogTime
    /// A sentence for people (`EVENT`); nil for chat messages.
    public let event: String?
    /// Details, by attribute.
    public let fields: [SessionLogField: String]
    /// The element's text: `name: message` for a chat message; nil for the others.
    public let text: String?

    /// A record; every text is cleaned (`SessionLogText.cleaned`), an empty `text` or `event` is nil.
    public init(kind: Kind, time: SessionLogTime, event: String? = nil, fields: [SessionLogField: String] = [:], text: String? = nil) {
        self.kind = kind
        self.time = time
        self.event = event.flatMap { $0.isEmpty ? nil : SessionLogText.cleaned($0) }
        self.fields = fields.mapValues(SessionLogText.cleaned)
        self.text = text.flatMap { $0.isEmpty ? nil : SessionLogText.cleaned($0) }
    }

    /// The value of `field`, if the record has it.
    public subscript(field: SessionLogField) -> String? { fields[field] }

    /// A chat message's sender and message: the text split at its first `": "` (nil when it has none).
    public var chat: (name: String, message: String)? {
        guard kind == .chatMessage, let text, let colon = text.firstRange(of: ": ") else { return nil }
        return (String(text[..<colon.lowerBound]), String(text[colon.upperBound...]))
    }
}
