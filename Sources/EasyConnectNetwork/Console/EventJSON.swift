import EasyConnect
import Foundation

/// The events of `easy-connect --json`: one JSON object per line on standard output, each with an
/// `"event"` field naming it. The field names are a contract with scripts (README.md, "easy-connect"):
/// fields may be added, never renamed or removed.
///
/// Texts that came from the other side (names, chat, file names, reasons) are carried as they are,
/// JSON-escaped: control characters become `\uXXXX` escapes and never reach a terminal raw
/// (`JSONValue.line`).
///
/// ```swift
/// var encoder = EventJSON()
/// for await event in session.events { write(encoder.line(for: event)) }
/// ```
///
/// The encoder remembers the peer of the `connected` event so that `chat` lines can say who wrote them.
public struct EventJSON: Sendable {
    /// The other side, once connected.
    public private(set) var peer: PeerIdentity?

    /// A new encoder, before any event.
    public init() {}

    /// The JSON line (no newline) of `event`.
    public mutating func line(for event: EasyConnectEvent) -> String {
        Self.line(object(for: event))
    }

    /// The JSON object of `event`.
    public mutating func object(for event: EasyConnectEvent) -> [String: JSONValue] {
        let name = Self.name(of: event)
        var o: [String: JSONValue] = [:]
        switch event {
        case .nameService(let description):
            o["description"] = .string(description)
        case .invitation(let password, let expiresAt, let endpoints):
            o["password"] = .string(password)
            Self.addWaiting(&o, expiresAt: expiresAt, endpoints: endpoints)
        case .contactInvitation(let contact, let name, let address, let expiresAt, let endpoints):
            o["contact"] = .string(contact)
            o["name"] = .string(name)
            o["address"] = .string(address)
            Self.addWaiting(&o, expiresAt: expiresAt, endpoints: endpoints)
        case .helperRefused(let peer, let reason):
            o["helper"] = .string(peer.displayName)
            o["computer"] = .string(peer.computerName)
            o["fingerprint"] = .string(peer.fingerprint)
            o["contact"] = .string(peer.contactAddress)
            o["reason"] = .string(reason)
        case .offerListening(let address, let expiresAt, let endpoints):
            o["address"] = .string(address)
            Self.addWaiting(&o, expiresAt: expiresAt, endpoints: endpoints)
        case .invitationFile(let path, let expiresAt, let endpoints):
            o["path"] = .string(path)
            Self.addWaiting(&o, expiresAt: expiresAt, endpoints: endpoints)
        case .status(let status):
            o["status"] = .string(status.rawValue)
        case .attemptFailed(let remaining):
            o["remaining"] = .integer(Int64(remaining))
        case .consentRequest(let id, let helper):
            o["connection"] = .unsigned(id.rawValue)
            o["helper"] = .string(helper.displayName)
            o["computer"] = .string(helper.computerName)
            o["fingerprint"] = .string(helper.fingerprint)
            o["contact"] = .string(helper.contactAddress)
        case .consentCancelled(let id):
            o["connection"] = .unsigned(id.rawValue)
        case .connected(let peer, let remote, let path, let firstByte):
            self.peer = peer
            o["path"] = .string(path.rawValue)
            if let firstByte {
                let milliseconds = Double(firstByte.components.seconds) * 1e3 + Double(firstByte.components.attoseconds) / 1e15
                o["firstByteMilliseconds"] = .double((milliseconds * 10).rounded() / 10)
            }
            o["peer"] = .string(peer.displayName)
            o["computer"] = .string(peer.computerName)
            o["fingerprint"] = .string(peer.fingerprint)
            o["contact"] = .string(peer.contactAddress)
            o["remote"] = .string(remote)
        case .chat(let text):
            o["text"] = .string(text)
            o["from"] = .string(peer?.displayName ?? "")
        case .fileOffer(let id, let fileName, let safeName, let bytes):
            o["id"] = .unsigned(UInt64(id))
            o["name"] = .string(fileName)
            o["safeName"] = .string(safeName)
            o["bytes"] = .unsigned(bytes)
        case .fileProgress(let id, let direction, let bytes, let total):
            o["id"] = .unsigned(UInt64(id))
            o["direction"] = .string(direction.rawValue)
            o["bytes"] = .unsigned(bytes)
            o["total"] = .unsigned(total)
        case .fileReceived(let id, let path, let bytes, let sha256):
            o["id"] = .unsigned(UInt64(id))
            o["path"] = .string(path)
            o["bytes"] = .unsigned(bytes)
            o["sha256"] = .string(sha256)
        case .fileSent(let id, let fileName, let bytes, let sha256):
            o["id"] = .unsigned(UInt64(id))
            o["name"] = .string(fileName)
            o["bytes"] = .unsigned(bytes)
            o["sha256"] = .string(sha256)
        case .fileDeclined(let id):
            o["id"] = .unsigned(UInt64(id))
        case .fileFailed(let id, let direction, let reason):
            o["id"] = .unsigned(UInt64(id))
            o["direction"] = .string(direction.rawValue)
            o["reason"] = .string(reason)
        case .controlRequested, .controlGranted, .controlDenied, .paused, .resumed:
            break
        case .terminalFrame(let encoding, let body):
            o["encoding"] = .string(encoding == .deflate ? "deflate" : "plain")
            o["bytes"] = .unsigned(UInt64(body.count))
        case .terminalInput(let bytes):
            o["bytes"] = .unsigned(UInt64(bytes.count))
        case .terminalInputIgnored(let count):
            o["bytes"] = .unsigned(UInt64(count))
        case .terminalWindow(let size):
            o["rows"] = .unsigned(UInt64(size.rows))
            o["columns"] = .unsigned(UInt64(size.columns))
        case .terminalClosed(let reason):
            o["reason"] = .string(reason)
        case .controlEnded(let reason):
            o["reason"] = .string(Self.name(of: reason))
        case .disconnected(let outcome):
            return Self.disconnected(reason: outcome.kind.rawValue, message: outcome.message, exitStatus: outcome.exitStatus)
        }
        o["event"] = .string(name)
        return o
    }

    /// The fields of a waiting invitation: `expires` (Unix seconds), `expiresAt` (ISO 8601) and `endpoints`.
    static func addWaiting(_ o: inout [String: JSONValue], expiresAt: UInt64, endpoints: [String]) {
        o["expires"] = .unsigned(expiresAt)
        o["expiresAt"] = .string(iso8601(unixSeconds: expiresAt))
        o["endpoints"] = .array(endpoints.map { .string($0) })
    }

    /// The `"event"` value of `event`.
    public static func name(of event: EasyConnectEvent) -> String {
        switch event {
        case .nameService: "name-service"
        case .invitation: "invitation"
        case .contactInvitation: "contact-invitation"
        case .helperRefused: "helper-refused"
        case .offerListening: "offer-listening"
        case .invitationFile: "invitation-file"
        case .status: "status"
        case .attemptFailed: "attempt-failed"
        case .consentRequest: "consent-request"
        case .consentCancelled: "consent-cancelled"
        case .connected: "connected"
        case .chat: "chat"
        case .fileOffer: "file-offer"
        case .fileProgress: "file-progress"
        case .fileReceived: "file-received"
        case .fileSent: "file-sent"
        case .fileDeclined: "file-declined"
        case .fileFailed: "file-failed"
        case .controlRequested: "control-requested"
        case .controlGranted: "control-granted"
        case .controlDenied: "control-denied"
        case .controlEnded: "control-ended"
        case .paused: "paused"
        case .resumed: "resumed"
        case .terminalFrame: "terminal-frame"
        case .terminalInput: "terminal-input"
        case .terminalInputIgnored: "terminal-input-ignored"
        case .terminalWindow: "terminal-window"
        case .terminalClosed: "terminal-closed"
        case .disconnected: "disconnected"
        }
    }

    /// How a `control-ended` event names why control ended.
    public static func name(of reason: ControlEndReason) -> String {
        switch reason {
        case .helperGaveUp: "helper-gave-up"
        case .userTookBack: "user-took-back"
        case .panic: "panic"
        }
    }

    /// `{"event":"disconnected", reason, message, exitStatus}`: the last line of every run. `reason` is a
    /// `SessionOutcome.Kind` raw value, or `bad-input` / `invitation-waiting` when the command stopped before a
    /// session started.
    public static func disconnected(reason: String, message: String, exitStatus: Int32) -> [String: JSONValue] {
        ["event": .string("disconnected"), "reason": .string(reason), "message": .string(message), "exitStatus": .integer(Int64(exitStatus))]
    }

    /// `{"event":"error", code, message}`: a refused command or a bad input line; the session goes on.
    public static func error(code: String, message: String) -> [String: JSONValue] {
        ["event": .string("error"), "code": .string(code), "message": .string(message)]
    }

    /// The `error` event of a command the session refused.
    public static func error(_ error: EasyConnectError) -> [String: JSONValue] {
        Self.error(code: code(of: error), message: error.description)
    }

    /// The `error` event of an input line that is not a command.
    public static func error(_ error: CommandJSONError) -> [String: JSONValue] {
        Self.error(code: error.code, message: error.description)
    }

    /// The `code` of an `error` event for a refused command: `not-in-session`, `wrong-role`, `not-now`,
    /// `unknown-transfer`, `bad-input`, `file` (a file to send cannot be read), or an outcome kind.
    public static func code(of error: EasyConnectError) -> String {
        switch error {
        case .command(let e):
            switch e {
            case .notInSession: "not-in-session"
            case .wrongRole: "wrong-role"
            case .notNow: "not-now"
            case .unknownTransfer: "unknown-transfer"
            case .badInput: "bad-input"
            }
        case .file: "file"
        case .failed(let outcome): outcome.kind.rawValue
        }
    }

    /// `{"event":"contact-saved", address, name, computerName}`: the other side is kept in the contact history
    /// (`RAContactHistory.xml`); next time, `--contact address` needs no password.
    public static func contactSaved(address: String, name: String, computerName: String) -> [String: JSONValue] {
        ["event": .string("contact-saved"), "address": .string(address), "name": .string(name), "computerName": .string(computerName)]
    }

    /// `{"event":"file-offered", id, name, bytes}`: the answer to `send-file`, giving the transfer's ID.
    public static func fileOffered(id: UInt32, name: String, bytes: UInt64) -> [String: JSONValue] {
        ["event": .string("file-offered"), "id": .unsigned(UInt64(id)), "name": .string(name), "bytes": .unsigned(bytes)]
    }

    /// One line of JSON for `object` (no newline).
    public static func line(_ object: [String: JSONValue]) -> String { JSONValue.object(object).line }

    /// `unixSeconds` as ISO 8601 in UTC: `2025-01-31T10:45:00Z`.
    public static func iso8601(unixSeconds: UInt64) -> String { UnixTimeText.iso8601(unixSeconds) }
}
