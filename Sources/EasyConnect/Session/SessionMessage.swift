/// The messages of an established Easy Connect session, each the plaintext of one encrypted record:
/// type (1 byte), then its fields (integers big-endian, texts length-prefixed UTF-8).
///
/// | type | message | sent by | fields |
/// |---|---|---|---|
/// | 0x10 | helperIdentity | Helper | Ed25519 key (32), display name (1+n), computer name (1+n), signature (64) |
/// | 0x11 | userIdentity | User | signature (64) |
/// | 0x12 | consent | User | answer (1): 1 accepted, 2 declined, 3 no answer in time |
/// | 0x20 | chat | either | text (2+n, ≤ 4,096) |
/// | 0x30 | controlRequest | Helper | — |
/// | 0x31 | controlGrant | User | — |
/// | 0x32 | controlDeny | User | — |
/// | 0x33 | controlEnd | either | reason (1): 1 Helper gave up, 2 User took back, 3 panic key |
/// | 0x34 | pause | User | — |
/// | 0x35 | resume | User | — |
/// | 0x40 | fileOffer | either | transfer ID (4), size (8), name (2+n, ≤ 255) |
/// | 0x41 | fileAccept | receiver | transfer ID (4) |
/// | 0x42 | fileDecline | receiver | transfer ID (4) |
/// | 0x43 | fileChunk | sender | transfer ID (4), bytes (the rest of the record) |
/// | 0x44 | fileEnd | sender | transfer ID (4), SHA-256 of the whole file (32) |
/// | 0x45 | fileCancel | either | transfer ID (4), reason (2+n) |
/// | 0x46 | fileResult | receiver | transfer ID (4), stored (1), reason (2+n) |
/// | 0x70 | terminalFrame | User | encoding (1): 0 plain, 1 deflate; a `ScreenFrame` (the rest) |
/// | 0x71 | terminalInput | Helper | keystrokes (the rest, 1…4,096 bytes) |
/// | 0x72 | terminalWindow | Helper | rows (2), columns (2) the Helper can show |
/// | 0x73 | terminalClosed | User | reason (2+n) |
/// | 0x50 | ping | either | — |
/// | 0x51 | pong | either | — |
/// | 0x60 | disconnect | either | code (1): 0 normal end or a `Refusal.Code`, reason (2+n); carried with the secretstream FINAL tag |
public enum SessionMessage: Hashable, Sendable {
    /// The Helper's long-term key and names, and its signature over the session's channel binding.
    case helperIdentity(key: [UInt8], displayName: String, computerName: String, signature: [UInt8])
    /// The User's signature, with the key its invitation names, over the channel binding.
    case userIdentity(signature: [UInt8])
    /// The User's answer to the consent question.
    case consent(ConsentAnswer)
    /// A chat message.
    case chat(String)
    /// The Helper asks for control.
    case controlRequest
    /// The User gives control: Control Sharing starts.
    case controlGrant
    /// The User refuses control.
    case controlDeny
    /// Control Sharing ends, and why.
    case controlEnd(ControlEndReason)
    /// The User hides the screen.
    case pause
    /// The User shows the screen again.
    case resume
    /// A file offered: its transfer ID, size and name.
    case fileOffer(id: UInt32, size: UInt64, name: String)
    /// The receiver accepts an offer.
    case fileAccept(id: UInt32)
    /// The receiver declines an offer.
    case fileDecline(id: UInt32)
    /// The next bytes of an accepted file.
    case fileChunk(id: UInt32, bytes: [UInt8])
    /// The end of a file, with the SHA-256 of all its bytes.
    case fileEnd(id: UInt32, sha256: [UInt8])
    /// Either side cancels a transfer.
    case fileCancel(id: UInt32, reason: String)
    /// The receiver says whether the verified file is stored under its final name.
    case fileResult(id: UInt32, stored: Bool, reason: String)
    /// A shared terminal's screen update: `encoding` says how `body` (a `ScreenFrame`) is compressed.
    case terminalFrame(encoding: FrameEncoding, body: [UInt8])
    /// Keystrokes for the shared terminal (heeded only in Control Sharing).
    case terminalInput([UInt8])
    /// The size of the Helper's window for the shared screen (the smaller of the two windows wins).
    case terminalWindow(TerminalSize)
    /// The shared terminal's program ended.
    case terminalClosed(String)
    /// Keepalive, answered by `pong`.
    case ping
    /// The answer to `ping`.
    case pong
    /// The end of the session (`Refusal.Code.normal`) or a refusal, sent with the stream's FINAL tag.
    case disconnect(Refusal)

    /// The type byte of `fileChunk`, which receivers read without the codec.
    static let fileChunkType: UInt8 = 0x43

    /// Longest chat message, in UTF-8 bytes.
    public static let maximumChatBytes = 4096
    /// Longest file name in an offer, in UTF-8 bytes.
    public static let maximumFileNameBytes = 255
    /// Most keystroke bytes in one `terminalInput`.
    public static let maximumInputBytes = 4096
    /// Longest reason text.
    public static let maximumReasonBytes = 512

    /// The plaintext bytes.
    public func encoded() throws(MessageError) -> [UInt8] {
        var w = MessageWriter(capacity: 64)
        switch self {
        case .helperIdentity(let key, let name, let computer, let signature):
            w.write(UInt8(0x10)); w.write(bytes: key)
            try w.writeShortText(name, field: "display name", maximumBytes: Invitation.maximumNameBytes)
            try w.writeShortText(computer, field: "computer name", maximumBytes: Invitation.maximumNameBytes)
            w.write(bytes: signature)
        case .userIdentity(let signature): w.write(UInt8(0x11)); w.write(bytes: signature)
        case .consent(let a): w.write(UInt8(0x12)); w.write(a.rawValue)
        case .chat(let text):
            w.write(UInt8(0x20)); try w.writeText(text, field: "chat message", maximumBytes: Self.maximumChatBytes)
        case .controlRequest: w.write(UInt8(0x30))
        case .controlGrant: w.write(UInt8(0x31))
        case .controlDeny: w.write(UInt8(0x32))
        case .controlEnd(let r): w.write(UInt8(0x33)); w.write(r.rawValue)
        case .pause: w.write(UInt8(0x34))
        case .resume: w.write(UInt8(0x35))
        case .fileOffer(let id, let size, let name):
            w.write(UInt8(0x40)); w.write(id); w.write(size); try w.writeText(name, field: "file name", maximumBytes: Self.maximumFileNameBytes)
        case .fileAccept(let id): w.write(UInt8(0x41)); w.write(id)
        case .fileDecline(let id): w.write(UInt8(0x42)); w.write(id)
        case .fileChunk(let id, let bytes): w.write(UInt8(0x43)); w.write(id); w.write(bytes: bytes)
        case .fileEnd(let id, let digest): w.write(UInt8(0x44)); w.write(id); w.write(bytes: digest)
        case .fileCancel(let id, let reason):
            w.write(UInt8(0x45)); w.write(id); try w.writeText(reason, field: "reason", maximumBytes: Self.maximumReasonBytes)
        case .fileResult(let id, let stored, let reason):
            w.write(UInt8(0x46)); w.write(id); w.write(UInt8(stored ? 1 : 0)); try w.writeText(reason, field: "reason", maximumBytes: Self.maximumReasonBytes)
        case .terminalFrame(let encoding, let body): w.write(UInt8(0x70)); w.write(encoding.rawValue); w.write(bytes: body)
        case .terminalInput(let bytes):
            guard (1...Self.maximumInputBytes).contains(bytes.count) else { throw .unencodable("terminal input has \(bytes.count) bytes; 1 to \(Self.maximumInputBytes) are allowed") }
            w.write(UInt8(0x71)); w.write(bytes: bytes)
        case .terminalWindow(let size):
            guard size.isValid else { throw .unencodable("a window of \(size) cannot be shared") }
            w.write(UInt8(0x72)); w.write(UInt16(size.rows)); w.write(UInt16(size.columns))
        case .terminalClosed(let reason): w.write(UInt8(0x73)); try w.writeText(reason, field: "reason", maximumBytes: Self.maximumReasonBytes)
        case .ping: w.write(UInt8(0x50))
        case .pong: w.write(UInt8(0x51))
        case .disconnect(let r):
            w.write(UInt8(0x60)); w.write(r.code.rawValue); try w.writeText(r.reason, field: "reason", maximumBytes: Self.maximumReasonBytes)
        }
        return w.bytes
    }

    /// Decodes a plaintext record; every malformed one is a `MessageError`.
    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var r = MessageReader(bytes)
        let type = try r.readUInt8("session message type")
        switch type {
        case 0x10:
            let key = try r.readBytes(32, "identity key")
            let name = try r.readShortText("display name", maximumBytes: Invitation.maximumNameBytes)
            let computer = try r.readShortText("computer name", maximumBytes: Invitation.maximumNameBytes)
            self = .helperIdentity(key: key, displayName: name, computerName: computer, signature: try r.readBytes(64, "identity signature"))
        case 0x11: self = .userIdentity(signature: try r.readBytes(64, "identity signature"))
        case 0x12:
            let raw = try r.readUInt8("consent answer")
            guard let a = ConsentAnswer(rawValue: raw) else { throw .badValue(field: "consent answer", reason: "is \(raw)") }
            self = .consent(a)
        case 0x20: self = .chat(try r.readText("chat message", maximumBytes: Self.maximumChatBytes))
        case 0x30: self = .controlRequest
        case 0x31: self = .controlGrant
        case 0x32: self = .controlDeny
        case 0x33:
            let raw = try r.readUInt8("control end reason")
            guard let reason = ControlEndReason(rawValue: raw) else { throw .badValue(field: "control end reason", reason: "is \(raw)") }
            self = .controlEnd(reason)
        case 0x34: self = .pause
        case 0x35: self = .resume
        case 0x40:
            let id = try r.readUInt32("transfer ID"), size = try r.readUInt64("file size")
            self = .fileOffer(id: id, size: size, name: try r.readText("file name", maximumBytes: Self.maximumFileNameBytes))
        case 0x41: self = .fileAccept(id: try r.readUInt32("transfer ID"))
        case 0x42: self = .fileDecline(id: try r.readUInt32("transfer ID"))
        case 0x43:
            let id = try r.readUInt32("transfer ID")
            self = .fileChunk(id: id, bytes: r.readRest())
        case 0x44: self = .fileEnd(id: try r.readUInt32("transfer ID"), sha256: try r.readBytes(32, "file SHA-256"))
        case 0x45: self = .fileCancel(id: try r.readUInt32("transfer ID"), reason: try r.readText("reason", maximumBytes: Self.maximumReasonBytes))
        case 0x46:
            let id = try r.readUInt32("transfer ID")
            let stored = try r.readUInt8("stored flag")
            guard stored <= 1 else { throw .badValue(field: "stored flag", reason: "is \(stored)") }
            self = .fileResult(id: id, stored: stored == 1, reason: try r.readText("reason", maximumBytes: Self.maximumReasonBytes))
        case 0x70:
            let raw = try r.readUInt8("frame encoding")
            guard let encoding = FrameEncoding(rawValue: raw) else { throw .badValue(field: "frame encoding", reason: "is \(raw)") }
            self = .terminalFrame(encoding: encoding, body: r.readRest())
        case 0x71:
            let bytes = r.readRest()
            guard (1...Self.maximumInputBytes).contains(bytes.count) else { throw .badValue(field: "terminal input", reason: "has \(bytes.count) bytes; 1 to \(Self.maximumInputBytes) are allowed") }
            self = .terminalInput(bytes)
        case 0x72:
            let size = TerminalSize(rows: Int(try r.readUInt16("window rows")), columns: Int(try r.readUInt16("window columns")))
            guard size.isValid else { throw .badValue(field: "window size", reason: "is \(size); 1×1 to \(TerminalSize.maximum) is allowed") }
            self = .terminalWindow(size)
        case 0x73: self = .terminalClosed(try r.readText("reason", maximumBytes: Self.maximumReasonBytes))
        case 0x50: self = .ping
        case 0x51: self = .pong
        case 0x60:
            let code = Refusal.Code(rawValue: try r.readUInt8("disconnect code")) ?? .other
            self = .disconnect(Refusal(code: code, reason: try r.readText("reason", maximumBytes: Self.maximumReasonBytes)))
        default:
            throw .badValue(field: "session message type", reason: "is 0x\(String(type, radix: 16)), which no session message has")
        }
        try r.expectEnd(of: "the session message")
    }
}

/// The User's answer to "Would you like to allow … to connect to your computer?".
public enum ConsentAnswer: UInt8, Sendable, Hashable {
    /// Allowed: the session starts in Screen Sharing.
    case accepted = 1
    /// Refused.
    case declined = 2
    /// Not answered within the consent time (2 minutes by default).
    case noAnswer = 3
}

/// How a `terminalFrame`'s body is compressed.
public enum FrameEncoding: UInt8, Sendable, Hashable {
    /// Not compressed.
    case plain = 0
    /// zlib's deflate format (RFC 1950), each frame on its own.
    case deflate = 1
}

/// Why Control Sharing ended.
public enum ControlEndReason: UInt8, Sendable, Hashable {
    /// The Helper gave up control.
    case helperGaveUp = 1
    /// The User took control back ("give up control" on the User's side).
    case userTookBack = 2
    /// The User pressed the panic key.
    case panic = 3
}
