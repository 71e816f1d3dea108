/// A Helper named in `offers-allowed-from`: their contact address `<40 hex>.RAContact` or the bare 40-hex
/// fingerprint (`easy-connect identity show` prints both).
public enum HelperAddress {
    /// The contact-address suffix.
    public static let suffix = ".RAContact"

    /// The fingerprint (40 lowercase hex digits) of `text`, a contact address or a fingerprint in either
    /// case; nil when it is neither.
    public static func fingerprint(_ text: String) -> String? {
        var body = Substring(text)
        if body.count > suffix.count, body.suffix(suffix.count).lowercased() == suffix.lowercased() {
            body = body.dropLast(suffix.count)
        }
        guard body.utf8.count == 40, body.utf8.allSatisfy(isHexDigit) else { return nil }
        return body.lowercased()
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }
}
