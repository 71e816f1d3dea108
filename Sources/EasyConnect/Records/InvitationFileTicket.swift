import PeerCrypto

/// The binary content of an invitation file's `RCTICKET` attribute (Base64 in the file), where Windows keeps
/// its encrypted Remote Assistance connection string and we keep the sealed invitation.
///
/// Layout (integers big-endian):
///
/// | bytes | field |
/// |---|---|
/// | 1 | ticket version = 1 |
/// | 4 | Argon2id memory, KiB |
/// | 1 | Argon2id passes |
/// | 16 | Argon2id salt (random) |
/// | 24 | XChaCha20-Poly1305 nonce (random) |
/// | n + 16 | the ciphertext of `InvitationFile`'s plaintext, with its tag |
///
/// The first 46 bytes (`header`) are part of the associated data, with the visible attributes.
struct InvitationFileTicket {
    /// Ticket version this build writes and reads.
    static let version: UInt8 = 1
    /// Bytes before the ciphertext.
    static let headerByteCount = 1 + 4 + 1 + Argon2id.saltByteCount + XChaCha20Poly1305.nonceByteCount

    var cost: InvitationFileCost
    var salt: [UInt8]
    var nonce: [UInt8]
    var ciphertext: [UInt8]

    /// The version, cost, salt and nonce.
    var header: [UInt8] {
        var w = MessageWriter(capacity: Self.headerByteCount)
        w.write(Self.version)
        w.write(cost.memoryKiB)
        w.write(cost.passes)
        w.write(bytes: salt)
        w.write(bytes: nonce)
        return w.bytes
    }

    /// The whole ticket.
    var encoded: [UInt8] { header + ciphertext }

    init(cost: InvitationFileCost, salt: [UInt8], nonce: [UInt8], ciphertext: [UInt8]) {
        (self.cost, self.salt, self.nonce, self.ciphertext) = (cost, salt, nonce, ciphertext)
    }

    /// Reads a ticket, refusing other versions, unusable costs and a ciphertext too short to hold a tag.
    init(decoding bytes: [UInt8]) throws(InvitationFileError) {
        let location = "the ticket in attribute RCTICKET of <UPLOADDATA>"
        var r = MessageReader(bytes)
        do {
            let version = try r.readUInt8("version")
            guard version == Self.version else { throw InvitationFileError.unsupportedVersion("\(version) (ticket)") }
            cost = InvitationFileCost(memoryKiB: try r.readUInt32("memory"), passes: try r.readUInt8("passes"))
            salt = try r.readBytes(Argon2id.saltByteCount, "salt")
            nonce = try r.readBytes(XChaCha20Poly1305.nonceByteCount, "nonce")
        } catch let e as InvitationFileError {
            throw e
        } catch {
            throw .malformed(location: location, reason: "is too short (\(bytes.count) bytes)")
        }
        if let problem = cost.problem { throw .malformed(location: location, reason: problem) }
        ciphertext = r.readRest()
        guard ciphertext.count > XChaCha20Poly1305.tagByteCount else {
            throw .malformed(location: location, reason: "is too short (\(bytes.count) bytes) to hold an invitation")
        }
    }
}
