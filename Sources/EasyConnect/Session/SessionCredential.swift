import PeerCrypto

/// How the two sides of a connection authenticate each other (`docs/easy-connect.md`).
public enum SessionCredential: Sendable {
    /// A password both sides know (the 12 characters of Easy Connect, or the one an invitation file carries):
    /// CPace proves it without sending it.
    case password(EasyConnectPassword)
    /// Known long-term keys (contact help, msra `/getcontacthelp` and `/offercontacthelp`): SIGMA-I, an
    /// ephemeral X25519 agreement then both Ed25519 identity signatures over its channel binding. The other
    /// side must prove `expectedKey`, the key of its trust record; nil accepts any proven key and leaves the
    /// decision to the caller (it sees the key in `consentRequested`).
    case contact(expectedKey: Ed25519PublicKey?)

    /// True for a password credential.
    public var isPassword: Bool {
        if case .password = self { return true }
        return false
    }
}

extension Refusal {
    /// The refusal of a side whose proven key is not the one its contact record holds: names both
    /// fingerprints (`PeerIdentity.fingerprint`), so that the person can compare them with the other side.
    public static func keyMismatch(role: String, expected: Ed25519PublicKey, proven: Ed25519PublicKey) -> Refusal {
        let e = PeerIdentity.fingerprint(of: expected), p = PeerIdentity.fingerprint(of: proven)
        return Refusal(
            code: .keyMismatch,
            reason: "the \(role)'s key does not match your contact record: the record holds \(e), the \(role) proved \(p); "
                + "if they made a new key, remove the contact (easy-connect contacts remove) and connect once with a password")
    }
}
