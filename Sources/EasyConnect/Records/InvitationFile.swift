import PeerCrypto

/// A password-protected invitation file (msra `/saveasfile path pw` and `/openfile path pw`): the User writes
/// it, sends it to a Helper by mail or on a stick, and tells them its password; the Helper opens it and
/// connects straight to the endpoints it lists — no cloud is involved.
///
/// The file keeps the XML outline of a Windows Remote Assistance ticket (`InvitationFileXML`): visible
/// attributes (`InvitationFileHeader`: user name, start, lifetime in minutes, format version) and the
/// `RCTICKET` attribute, which holds our sealed payload (`InvitationFileTicket`):
///
///     key        = Argon2id(file password, random 16-byte salt, 32 bytes; 64 MiB, 3 passes by default)
///     ciphertext = XChaCha20-Poly1305(key, random nonce, plaintext,
///                                     associated data = every visible attribute ‖ ticket header)
///     plaintext  = version (1) = 1 ‖ Easy Connect password (12 ASCII) ‖ `Invitation.encoded()`
///
/// The Easy Connect password inside is freshly drawn for the file; both sides then run the same CPace
/// handshake as Easy Connect with it, so the file password itself never touches the network, and a Helper
/// learns the PAKE password only by opening the file.
///
/// Sans-IO: time and randomness are inputs; nothing here reads a clock or a file.
public struct InvitationFile: Sendable {
    /// The file name extension Windows uses, appended by `pathWithExtension`.
    public static let fileExtension = "MsRcIncident"
    /// How long a file invitation lives by default: 6 hours, as Windows Remote Assistance's default policy.
    public static let defaultLifetimeMinutes: UInt32 = 360
    /// The longest lifetime allowed unless a setting says otherwise (6 hours).
    public static let defaultMaximumLifetimeMinutes: UInt32 = 360
    /// Largest file accepted; real ones have about a kilobyte.
    public static let maximumFileBytes = 64 * 1024
    /// Version of the plaintext.
    static let plaintextVersion: UInt8 = 1

    /// What anyone can read: user name, start, lifetime.
    public let header: InvitationFileHeader
    /// Where to connect, whom to expect, until when (`expiresAt` = start + lifetime).
    public let invitation: Invitation
    /// The password both sides' CPace handshake uses.
    public let password: EasyConnectPassword

    /// An invitation file's content. The invitation's `expiresAt` is set to start + lifetime, and its display
    /// name is shown as `USERNAME`. Throws `.lifetimeOutOfRange` for 0 minutes or more than `maximumLifetimeMinutes`.
    public init(
        invitation: Invitation, password: EasyConnectPassword, startUnixSeconds: UInt64, lifetimeMinutes: UInt32,
        maximumLifetimeMinutes: UInt32 = InvitationFile.defaultMaximumLifetimeMinutes
    ) throws(InvitationFileError) {
        guard lifetimeMinutes > 0, lifetimeMinutes <= maximumLifetimeMinutes else {
            throw .lifetimeOutOfRange(minutes: UInt64(lifetimeMinutes), maximumMinutes: maximumLifetimeMinutes)
        }
        header = InvitationFileHeader(userName: invitation.displayName, startUnixSeconds: startUnixSeconds, lifetimeMinutes: lifetimeMinutes)
        var adjusted = invitation
        adjusted.expiresAt = header.expiresAt
        self.invitation = adjusted
        self.password = password
    }

    private init(header: InvitationFileHeader, invitation: Invitation, password: EasyConnectPassword) {
        (self.header, self.invitation, self.password) = (header, invitation, password)
    }

    // MARK: - Writing

    /// The bytes of the file, sealed with `filePassword` at `cost`, salt and nonce drawn from `entropy`.
    /// Costs one Argon2id evaluation.
    public func sealed(with filePassword: InvitationFilePassword, cost: InvitationFileCost = .standard, entropy: inout some EntropySource) throws(InvitationFileError) -> [UInt8] {
        if let problem = cost.problem { throw .malformed(location: "the Argon2id cost chosen", reason: problem) }
        var plain = [Self.plaintextVersion] + password.pakeInput
        defer { ConstantTime.wipe(&plain) }
        do {
            plain += try invitation.encoded()
        } catch {
            throw .unencodable(error)
        }
        let salt = entropy.bytes(Argon2id.saltByteCount)
        let nonce = entropy.bytes(XChaCha20Poly1305.nonceByteCount)
        var key = try cost.key(for: filePassword, salt: salt)
        defer { ConstantTime.wipe(&key) }
        var ticket = InvitationFileTicket(cost: cost, salt: salt, nonce: nonce, ciphertext: [])
        do {
            ticket.ciphertext = try XChaCha20Poly1305.seal(plain, key: key, nonce: nonce, additionalData: header.associatedData(ticketHeader: ticket.header))
        } catch {
            throw .unencodable(.unencodable("the invitation cannot be encrypted: \(error.description)"))
        }
        let text = Base64Text.encode(ticket.encoded)
        let bytes = InvitationFileXML.document(header: header, ticket: text)
        // What is written must read back as written (the XML library is the platform's).
        guard let read = try? Self.readVisible(bytes), read.header == header, read.ticket == text else {
            throw .unencodable(.unencodable("the XML written does not read back as an invitation file"))
        }
        return bytes
    }

    // MARK: - Reading

    /// Opens a file with its password at `nowUnixSeconds`. Refuses, in this order: what is not an invitation
    /// file or is malformed (`.notAnInvitationFile`, `.malformed`, `.unsupportedVersion`), a lifetime of more
    /// than `maximumLifetimeMinutes` (`.lifetimeOutOfRange`), an expired invitation (`.expired`), and a file
    /// that does not open with the password (`.wrongPasswordOrChanged`: the password is wrong, or a byte of the
    /// file changed). The first two checks read the visible attributes before they are authenticated: they can
    /// only refuse a file, never accept one. Costs one Argon2id evaluation once those checks pass.
    public static func open(
        _ bytes: [UInt8], with filePassword: InvitationFilePassword, nowUnixSeconds: UInt64,
        maximumLifetimeMinutes: UInt32 = InvitationFile.defaultMaximumLifetimeMinutes
    ) throws(InvitationFileError) -> InvitationFile {
        let (header, text) = try readVisible(bytes)
        guard header.lifetimeMinutes > 0, header.lifetimeMinutes <= maximumLifetimeMinutes else {
            throw .lifetimeOutOfRange(minutes: UInt64(header.lifetimeMinutes), maximumMinutes: maximumLifetimeMinutes)
        }
        guard nowUnixSeconds < header.expiresAt else { throw .expired(expiresAt: header.expiresAt) }
        guard let raw = Base64Text.decodeCanonical(text) else {
            throw .malformed(location: "attribute \(InvitationFileXML.ticket) of <\(InvitationFileXML.data)>", reason: "is not Base64 text")
        }
        let ticket = try InvitationFileTicket(decoding: raw)
        var key = try ticket.cost.key(for: filePassword, salt: ticket.salt)
        defer { ConstantTime.wipe(&key) }
        var plain: [UInt8]
        do {
            plain = try XChaCha20Poly1305.open(ticket.ciphertext, key: key, nonce: ticket.nonce, additionalData: header.associatedData(ticketHeader: ticket.header))
        } catch {
            throw .wrongPasswordOrChanged
        }
        defer { ConstantTime.wipe(&plain) }
        // Authenticated from here on: what follows only fails for a file its writer got wrong.
        let location = "the sealed invitation"
        guard plain.count > 1 + EasyConnectPassword.length else { throw .malformed(location: location, reason: "is too short") }
        guard plain[0] == plaintextVersion else { throw .unsupportedVersion("\(plain[0]) (sealed invitation)") }
        let passwordText = String(decoding: plain[1...EasyConnectPassword.length], as: UTF8.self)
        guard let password = try? EasyConnectPassword(parsing: passwordText), password.characters == passwordText else {
            throw .malformed(location: location, reason: "holds no valid Easy Connect password")
        }
        let invitation: Invitation
        do {
            invitation = try Invitation(decoding: Array(plain[(1 + EasyConnectPassword.length)...]))
        } catch {
            throw .malformed(location: location, reason: "is not a valid invitation (\(error))")
        }
        guard invitation.displayName == header.userName, invitation.expiresAt == header.expiresAt else {
            throw .malformed(location: location, reason: "does not match the visible attributes")
        }
        return InvitationFile(header: header, invitation: invitation, password: password)
    }

    /// The visible attributes, without the password: who sent the file and until when it is valid. They are
    /// not authenticated until the file opens with its password (`open`).
    public static func readHeader(_ bytes: [UInt8]) throws(InvitationFileError) -> InvitationFileHeader {
        try readVisible(bytes).header
    }

    /// `path` with `.MsRcIncident` appended, unless it already ends so (in any case).
    public static func pathWithExtension(_ path: String) -> String {
        path.lowercased().hasSuffix("." + fileExtension.lowercased()) ? path : path + "." + fileExtension
    }

    private static func readVisible(_ bytes: [UInt8]) throws(InvitationFileError) -> (header: InvitationFileHeader, ticket: String) {
        let attributes = try InvitationFileXML.parse(bytes)
        let header = try InvitationFileHeader(attributes: attributes)
        return (header, attributes[InvitationFileXML.ticket] ?? "")
    }
}
