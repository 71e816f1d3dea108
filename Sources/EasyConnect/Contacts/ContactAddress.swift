import PeerCrypto

/// A contact's address, `<40 lowercase hex>.RAContact`: the secured peer name whose authority is the SHA-1
/// of the contact's Ed25519 key ([MS-PNRP] secured names, deviation C1's key).
public struct ContactAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The 40 lowercase hex digits.
    public let fingerprint: String

    /// The address of `key`.
    public init(of key: Ed25519PublicKey) { fingerprint = PeerIdentity.fingerprint(of: key) }

    /// Reads `<40 hex>.RAContact` or the bare 40 hex digits (any case).
    public init(parsing text: String) throws(ContactError) {
        var hex = Substring(text.trimmingWhitespace)
        if let dot = hex.lastIndex(of: ".") {
            guard hex[hex.index(after: dot)...].lowercased() == ContactInvitation.classifier.lowercased() else {
                throw .badAddress(text, "a contact address ends in .\(ContactInvitation.classifier)")
            }
            hex = hex[..<dot]
        }
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .badAddress(text, "a contact address is 40 hex digits followed by .\(ContactInvitation.classifier) (easy-connect identity show prints yours)")
        }
        fingerprint = hex.lowercased()
    }

    /// True when `key` owns this address.
    public func isOwned(by key: Ed25519PublicKey) -> Bool { PeerIdentity.fingerprint(of: key) == fingerprint }

    public var description: String { fingerprint + "." + ContactInvitation.classifier }

    public static func < (a: ContactAddress, b: ContactAddress) -> Bool { a.fingerprint < b.fingerprint }
}

extension String {
    var trimmingWhitespace: String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
