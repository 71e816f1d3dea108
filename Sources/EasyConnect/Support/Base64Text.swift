import Foundation

/// Standard Base64 (RFC 4648 section 4, with padding) as invitation files carry it, decoded strictly: no
/// whitespace, no other alphabet, and only the one canonical spelling of each byte string (the unused low
/// bits of the last character must be zero), so that no character of the text can change unnoticed.
public enum Base64Text {
    /// The Base64 text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes of `text`, or nil when it is not the canonical Base64 spelling of any byte string.
    public static func decodeCanonical(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 4 == 0, let data = Data(base64Encoded: text) else { return nil }
        let bytes = [UInt8](data)
        // Foundation ignores the unused bits of the last character: a text that decodes to bytes encoded
        // otherwise is not canonical.
        guard encode(bytes) == text else { return nil }
        return bytes
    }
}
