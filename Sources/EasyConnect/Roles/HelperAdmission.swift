/// Which proven Helpers an invitation lets the person be asked about.
public enum HelperAdmission: Sendable, Hashable {
    /// Every Helper who proves the invitation's credential.
    case anyone
    /// Only Helpers whose key fingerprint (`PeerIdentity.fingerprint`) is in the set; the others are refused
    /// with `refusal`.
    case only(fingerprints: Set<String>, refusal: String)
    /// Nobody: every Helper is refused with `refusal` (offers turned off by the settings).
    case nobody(refusal: String)

    /// The refusal for `peer`, or nil when it may be asked about.
    public func refusal(for peer: PeerIdentity) -> Refusal? {
        switch self {
        case .anyone: nil
        case .only(let set, let reason): set.contains(peer.fingerprint) ? nil : Refusal(code: .notAllowed, reason: reason)
        case .nobody(let reason): Refusal(code: .notAllowed, reason: reason)
        }
    }
}
