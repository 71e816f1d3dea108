/// A Helper named in `offers-allowed-from`: their contact address `<40 hex>.RAContact` or the bare 40-hex
/// fingerprint (`easy-connect identity show` prints both).
public enum HelperAddress {
    /// The contact-address suffix.
    public static let suffix = ".RAContact"

    /// The fingerprint (40 lowercase hex digits) of `text`, a contact address or a fingerprint in either
    /// case; nil when it is neither.
    public static func fingerprint(_ text: String) -> String? {
        guard !text.contains(where: \.isWhitespace) else { return nil }
        return (try? ContactAddress(parsing: text))?.fingerprint
    }
}
