import Foundation

/// The password a User chooses to protect an invitation file (msra `/saveasfile path pw`), as the key
/// derivation takes it: at least six characters, Unicode-normalised (NFC) so that the same text typed on
/// two systems gives the same bytes.
///
/// The value never prints itself: `description` is redacted.
public struct InvitationFilePassword: Sendable, CustomStringConvertible {
    /// Fewest characters a file password may have (Windows Remote Assistance asks for six as well).
    public static let minimumCharacters = 6
    /// Most UTF-8 bytes a file password may have.
    public static let maximumBytes = 1024

    /// The normalised password as UTF-8: what Argon2id is given.
    public let utf8: [UInt8]

    /// Checks and normalises `text` exactly as typed (spaces count; nothing is trimmed).
    public init(_ text: String) throws(InvitationFileError) {
        let normalized = text.precomposedStringWithCanonicalMapping
        for (i, scalar) in normalized.unicodeScalars.enumerated() where DisplayText.isControl(scalar) {
            throw .passwordControlCharacter(position: i + 1)
        }
        guard normalized.count >= Self.minimumCharacters else { throw .passwordTooShort(characters: normalized.count) }
        let bytes = Array(normalized.utf8)
        guard bytes.count <= Self.maximumBytes else { throw .passwordTooLong(bytes: bytes.count) }
        utf8 = bytes
    }

    /// Redacted: a password never ends up in a log line by accident.
    public var description: String { "InvitationFilePassword(redacted)" }
}
