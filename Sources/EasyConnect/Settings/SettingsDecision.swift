/// The settings' answer to "may this happen?", with the reason when not.
public enum SettingsDecision: Sendable, Hashable {
    /// Allowed.
    case allowed
    /// Refused because of `key`; `reason` is one sentence without file paths, fit to tell the other side.
    case refused(key: SettingKey, reason: String)

    /// Whether it is allowed.
    public var isAllowed: Bool { self == .allowed }

    /// The reason of a refusal.
    public var reason: String? {
        if case .refused(_, let reason) = self { return reason }
        return nil
    }
}

extension EasyConnectSettings {
    /// May this person ask for help (`easy-connect invite`)?
    public var solicitedHelpDecision: SettingsDecision {
        allowSolicitedHelp ? .allowed : .refused(key: .allowSolicitedHelp, reason: "asking for help is turned off on this computer")
    }

    /// May an unsolicited offer from the Helper with this fingerprint (40 hex digits, or their
    /// `<fingerprint>.RAContact` address) be accepted?
    public func isOfferAllowed(fromFingerprint fingerprint: String) -> SettingsDecision {
        guard allowOffers else { return .refused(key: .allowOffers, reason: "offers of help are turned off on this computer") }
        guard let wanted = HelperAddress.fingerprint(fingerprint), offersAllowedFrom.contains(wanted) else {
            return .refused(key: .offersAllowedFrom, reason: "this computer accepts offers of help only from the helpers it lists, and not from this one")
        }
        return .allowed
    }

    /// May the User grant a Helper's request for control? When refused, the User's side answers every
    /// request with a denial and tells both sides the reason.
    public var controlRequestDecision: SettingsDecision {
        control == .full ? .allowed : .refused(key: .control, reason: "this computer allows only view-only sessions, so control cannot be shared")
    }

    /// May an invitation wait `lifetime`?
    public func invitationLifetimeDecision(_ lifetime: Duration) -> SettingsDecision {
        lifetime <= maximumInvitationLifetime
            ? .allowed
            : .refused(key: .maximumInvitationLifetime, reason: "invitations may wait at most \(SettingsDurationText.words(maximumInvitationLifetimeSeconds)) on this computer")
    }
}
