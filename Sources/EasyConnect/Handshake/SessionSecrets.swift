import PeerCrypto

/// What both sides derive from the CPace intermediate session key (ISK) once the shares are exchanged
/// (`docs/easy-connect.md`, "Key schedule"): the two key-confirmation tags, one secretstream key per
/// direction, and a channel-binding value the identity signatures cover.
///
/// Every key is HKDF-SHA-512(ISK, salt = session ID, info = a fixed label); the labels make them independent.
public struct SessionSecrets: Sendable {
    /// Tag the Helper sends to prove it derived the same ISK.
    public let helperConfirmation: [UInt8]
    /// Tag the User sends to prove it derived the same ISK.
    public let userConfirmation: [UInt8]
    /// secretstream key of the Helper → User direction.
    let helperToUserKey: [UInt8]
    /// secretstream key of the User → Helper direction.
    let userToHelperKey: [UInt8]
    /// A value unique to this session that both identity signatures cover (32 bytes, not secret once used).
    public let channelBinding: [UInt8]

    /// Derives everything from `isk` and the `sessionID`.
    init(isk: [UInt8], sessionID: [UInt8], helperConfirmation: [UInt8], userConfirmation: [UInt8]) throws(HandshakeError) {
        func derive(_ label: String, _ count: Int) throws(HandshakeError) -> [UInt8] {
            do {
                return try HKDF.sha512(inputKeyMaterial: isk, salt: sessionID, info: Array("EasyConnect/1 \(label)".utf8), outputByteCount: count)
            } catch {
                throw .crypto("HKDF: \(error)")
            }
        }
        self.helperConfirmation = helperConfirmation
        self.userConfirmation = userConfirmation
        helperToUserKey = try derive("helper to user", 32)
        userToHelperKey = try derive("user to helper", 32)
        channelBinding = try derive("channel binding", 32)
    }

    /// The bytes an identity signature covers: a role label, the channel binding, and the signer's key.
    func identityStatement(role: String, key: [UInt8]) -> [UInt8] {
        Array("EasyConnect/1 \(role) identity".utf8) + channelBinding + key
    }
}
