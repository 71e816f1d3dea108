/// What anyone holding an invitation file can read without its password: the visible attributes of
/// `<UPLOADDATA>`, as in a Windows Remote Assistance ticket. They are not secret, but they are not trusted
/// either until the file opens: the AEAD's associated data covers every one of them (`associatedData`), so
/// changing any of them makes the file refuse to open.
public struct InvitationFileHeader: Hashable, Sendable {
    /// Format version of the file (attribute `ECVERSION`).
    public static let version = "1"

    /// The User's display name (attribute `USERNAME`).
    public var userName: String
    /// When the invitation was created, Unix seconds (attribute `DtStart`).
    public var startUnixSeconds: UInt64
    /// How long it is valid, in minutes (attribute `DtLength`, counted in minutes as Windows does).
    public var lifetimeMinutes: UInt32

    /// Builds a header.
    public init(userName: String, startUnixSeconds: UInt64, lifetimeMinutes: UInt32) {
        self.userName = userName
        self.startUnixSeconds = startUnixSeconds
        self.lifetimeMinutes = lifetimeMinutes
    }

    /// The first second at which the invitation is no longer valid: start + lifetime (saturating).
    public var expiresAt: UInt64 {
        let (sum, overflow) = startUnixSeconds.addingReportingOverflow(UInt64(lifetimeMinutes) * 60)
        return overflow ? .max : sum
    }

    /// Every attribute of `<UPLOADDATA>` but the ticket, in the order they are written, with their text.
    var visibleAttributes: [(String, String)] {
        [
            (InvitationFileXML.userName, userName),
            (InvitationFileXML.start, String(startUnixSeconds)),
            (InvitationFileXML.length, String(lifetimeMinutes)),
            (InvitationFileXML.encrypted, InvitationFileXML.encryptedValue),
            (InvitationFileXML.lowSpeed, InvitationFileXML.lowSpeedValue),
            (InvitationFileXML.version, Self.version),
        ]
    }

    /// The AEAD's associated data: a label, `TYPE` of `<UPLOADINFO>`, every visible attribute of
    /// `<UPLOADDATA>` (name and value, each with a 2-byte length) and the ticket's header (version, cost, salt,
    /// nonce).
    func associatedData(ticketHeader: [UInt8]) -> [UInt8] {
        var w = MessageWriter(capacity: 256)
        w.write(bytes: Array("EasyConnect/1 invitation file".utf8))
        for (name, value) in [(InvitationFileXML.type, InvitationFileXML.typeValue)] + visibleAttributes {
            for text in [name, value] {
                let bytes = Array(text.utf8)
                w.write(UInt16(clamping: bytes.count))
                w.write(bytes: bytes.prefix(Int(UInt16.max)))
            }
        }
        w.write(bytes: ticketHeader)
        return w.bytes
    }

    /// Reads the attributes of `<UPLOADDATA>` (as `InvitationFileXML.parse` returns them): the header and the
    /// ticket's Base64 text. Unknown and missing attributes and non-canonical values are refused.
    init(attributes: [String: String]) throws(InvitationFileError) {
        let element = "<\(InvitationFileXML.data)>"
        func location(_ name: String) -> String { "attribute \(name) of \(element)" }
        guard let version = attributes[InvitationFileXML.version] else {
            throw .malformed(location: location(InvitationFileXML.version), reason: "is missing")
        }
        guard version == Self.version else {
            guard Self.isCanonicalNumber(version, maximumDigits: 3) else { throw .malformed(location: location(InvitationFileXML.version), reason: "is not a version number") }
            throw .unsupportedVersion(version)
        }
        for name in attributes.keys.sorted() where !Self.attributeNames.contains(name) {
            throw .malformed(location: location(name), reason: "is not part of an invitation file")
        }
        func value(_ name: String) throws(InvitationFileError) -> String {
            guard let v = attributes[name] else { throw .malformed(location: location(name), reason: "is missing") }
            return v
        }
        func number(_ name: String, maximumDigits: Int, what: String) throws(InvitationFileError) -> UInt64 {
            let text = try value(name)
            guard Self.isCanonicalNumber(text, maximumDigits: maximumDigits), let n = UInt64(text) else {
                throw .malformed(location: location(name), reason: "is \"\(DisplayText.escaped(String(text.prefix(24))))\", not \(what)")
            }
            return n
        }
        for (name, fixed) in [(InvitationFileXML.encrypted, InvitationFileXML.encryptedValue), (InvitationFileXML.lowSpeed, InvitationFileXML.lowSpeedValue)] {
            let text = try value(name)
            guard text == fixed else { throw .malformed(location: location(name), reason: "is \"\(DisplayText.escaped(String(text.prefix(24))))\"; it must be \"\(fixed)\"") }
        }
        let userName = try value(InvitationFileXML.userName)
        guard !DisplayText.containsControl(userName), userName.utf8.count <= Invitation.maximumNameBytes else {
            throw .malformed(location: location(InvitationFileXML.userName), reason: "holds control characters or more than \(Invitation.maximumNameBytes) bytes")
        }
        let start = try number(InvitationFileXML.start, maximumDigits: 19, what: "a time in Unix seconds")
        let minutes = try number(InvitationFileXML.length, maximumDigits: 10, what: "a number of minutes")
        guard let lifetime = UInt32(exactly: minutes) else {
            throw .malformed(location: location(InvitationFileXML.length), reason: "is \(minutes), more minutes than a lifetime can have")
        }
        _ = try value(InvitationFileXML.ticket)
        self.init(userName: userName, startUnixSeconds: start, lifetimeMinutes: lifetime)
    }

    /// Names of the attributes of `<UPLOADDATA>`.
    static var attributeNames: Set<String> {
        Set([InvitationFileXML.userName, InvitationFileXML.start, InvitationFileXML.length, InvitationFileXML.encrypted, InvitationFileXML.ticket, InvitationFileXML.lowSpeed, InvitationFileXML.version])
    }

    /// Decimal digits only, no leading zero (but "0" itself), at most `maximumDigits`: one spelling per value.
    static func isCanonicalNumber(_ text: String, maximumDigits: Int) -> Bool {
        let digits = Array(text.utf8)
        guard (1...maximumDigits).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        return digits.count == 1 || digits[0] != 0x30
    }
}
