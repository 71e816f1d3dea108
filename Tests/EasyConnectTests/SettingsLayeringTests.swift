import EasyConnect
import NetworkLab
import Testing

/// Defaults, the user file and the system policy combined key by key, with sources; and the questions the
/// commands ask the settings.
@Suite("Settings layers and decisions", .onComputeThread)
struct SettingsLayeringTests {
    static let alice = "0123456789abcdef0123456789abcdef01234567"
    static let bob = "89abcdef0123456789abcdef0123456789abcdef"

    func file(_ text: String, _ name: String) throws -> SettingsFile { try SettingsFile(parsing: Array(text.utf8), name: name) }

    @Test("With no files every value is the default, from the default")
    func defaults() {
        let effective = EffectiveSettings()
        let s = effective.settings
        #expect(s == .defaults)
        #expect(s.allowSolicitedHelp && !s.allowOffers && s.offersAllowedFrom.isEmpty && s.control == .full)
        #expect(s.maximumInvitationLifetime == .seconds(6 * 3600) && s.sessionLogging && s.bandwidth == .full && s.consentTimeout == .seconds(120))
        for key in SettingKey.allCases {
            #expect(effective.source(of: key) == .defaultValue)
            #expect(effective.overridden(key) == nil)
        }
        #expect(effective.warnings.isEmpty)
    }

    @Test("The user file changes what it sets, and says where")
    func userFile() throws {
        let user = try file("# mine\nconsent-timeout = 45\nbandwidth = none\n", "/home/u/.config/easy-connect/settings.conf")
        let effective = EffectiveSettings(user: user)
        #expect(effective.settings.consentTimeout == .seconds(45))
        #expect(effective.settings.bandwidth == BandwidthLevel.none)
        #expect(effective.settings.control == .full)
        #expect(effective.source(of: .consentTimeout) == .file(.user, path: "/home/u/.config/easy-connect/settings.conf", line: 2))
        #expect(effective.source(of: .bandwidth).description == "settings file /home/u/.config/easy-connect/settings.conf:3")
        #expect(effective.source(of: .control) == .defaultValue)
    }

    @Test("The policy beats the user file key by key; keys it leaves alone stay the user's")
    func policyWins() throws {
        let user = try file("consent-timeout = 90\nbandwidth = none\ncontrol = full\nallow-solicited-help = yes\n", "user.conf")
        let policy = try file("\n\ncontrol = view-only\nconsent-timeout = 30\nsession-logging = yes\n", "/etc/easy-connect/policy.conf")
        let effective = EffectiveSettings(user: user, policy: policy)
        let s = effective.settings
        #expect(s.control == .viewOnly)
        #expect(s.consentTimeout == .seconds(30))
        #expect(s.bandwidth == BandwidthLevel.none, "the policy does not set bandwidth")
        #expect(s.sessionLogging)
        #expect(effective.source(of: .control) == .file(.policy, path: "/etc/easy-connect/policy.conf", line: 3))
        #expect(effective.source(of: .control).description == "policy /etc/easy-connect/policy.conf:3")
        #expect(effective.source(of: .consentTimeout).layer == .policy)
        #expect(effective.source(of: .bandwidth) == .file(.user, path: "user.conf", line: 2))
        #expect(effective.source(of: .allowSolicitedHelp).layer == .user)
        #expect(effective.source(of: .maximumInvitationLifetime) == .defaultValue)
        let overridden = try #require(effective.overridden(.consentTimeout))
        #expect(overridden.source == .file(.user, path: "user.conf", line: 1))
        #expect(overridden.value == .seconds(90))
        #expect(effective.overridden(.bandwidth) == nil)
        #expect(effective.overridden(.sessionLogging) == nil, "the user file does not set it")
        // Only values the policy actually changed are worth a warning.
        #expect(effective.warnings.count == 2)
        #expect(effective.warnings.contains("consent-timeout = 90 at user.conf:1 has no effect: the policy sets 30"))
        #expect(effective.warnings.contains("control = full at user.conf:3 has no effect: the policy sets view-only"))

        // A user file cannot get back what the policy turned off, whatever it says.
        let strict = try file("allow-solicited-help = no\nmaximum-invitation-lifetime = 10m\n", "policy")
        for text in ["allow-solicited-help = yes\nmaximum-invitation-lifetime = 30d", "allow-solicited-help = true", ""] {
            let e = EffectiveSettings(user: try file(text, "user"), policy: strict).settings
            #expect(!e.allowSolicitedHelp && e.maximumInvitationLifetime == .seconds(600))
        }
    }

    @Test("Solicited help: allowed by default, refused with the place that turned it off")
    func solicitedHelp() throws {
        #expect(EasyConnectSettings.defaults.solicitedHelpDecision == .allowed)
        let policy = try file("allow-solicited-help = no", "/etc/easy-connect/policy.conf")
        let effective = EffectiveSettings(policy: policy)
        let decision = effective.settings.solicitedHelpDecision
        #expect(!decision.isAllowed)
        #expect(decision == .refused(key: .allowSolicitedHelp, reason: "asking for help is turned off on this computer"))
        #expect(
            effective.explain(decision)
                == "asking for help is turned off on this computer (allow-solicited-help = no, set by this computer's policy, /etc/easy-connect/policy.conf:1; ask its administrator)")
        let mine = EffectiveSettings(user: try file("\nallow-solicited-help = false", "/home/u/s.conf"))
        #expect(mine.explain(mine.settings.solicitedHelpDecision)?.hasSuffix("set by your settings file /home/u/s.conf:2)") == true)
        #expect(effective.explain(.allowed) == nil)
    }

    @Test("Offers: refused unless turned on, and then only from the listed helpers, by address or fingerprint")
    func offers() throws {
        #expect(EasyConnectSettings.defaults.isOfferAllowed(fromFingerprint: Self.alice) == .refused(key: .allowOffers, reason: "offers of help are turned off on this computer"))
        var s = EasyConnectSettings()
        s.allowOffers = true
        #expect(s.isOfferAllowed(fromFingerprint: Self.alice).key == .offersAllowedFrom, "an empty list admits nobody")
        let listed = try file("allow-offers = yes\noffers-allowed-from = \(Self.alice).RAContact", "p").settings
        #expect(listed.isOfferAllowed(fromFingerprint: Self.alice) == .allowed)
        #expect(listed.isOfferAllowed(fromFingerprint: Self.alice.uppercased()) == .allowed)
        #expect(listed.isOfferAllowed(fromFingerprint: Self.alice + ".RAContact") == .allowed)
        let refused = listed.isOfferAllowed(fromFingerprint: Self.bob)
        #expect(refused.key == .offersAllowedFrom)
        #expect(refused.reason?.contains("only from the helpers it lists") == true)
        for junk in ["", "alice", String(Self.alice.dropLast()), Self.alice + "00", String(repeating: "z", count: 40)] {
            #expect(!listed.isOfferAllowed(fromFingerprint: junk).isAllowed, "\(junk)")
        }
        // The list does not matter while offers are off.
        let off = try file("allow-offers = no\noffers-allowed-from = \(Self.alice)", "p").settings
        #expect(off.isOfferAllowed(fromFingerprint: Self.alice).key == .allowOffers)
        // An empty list with offers on is legal but suspicious: the settings say so.
        let empty = EffectiveSettings(policy: try file("allow-offers = yes\noffers-allowed-from =", "p"))
        #expect(empty.warnings.first?.contains("lists nobody") == true)
    }

    @Test("View-only refuses control with a reason fit to send; lifetime beyond the maximum is refused")
    func controlAndLifetime() throws {
        #expect(EasyConnectSettings.defaults.controlRequestDecision == .allowed)
        let viewOnly = EffectiveSettings(policy: try file("control = view-only", "/etc/easy-connect/policy.conf"))
        let decision = viewOnly.settings.controlRequestDecision
        #expect(decision.key == .control)
        let reason = try #require(decision.reason)
        #expect(reason == "this computer allows only view-only sessions, so control cannot be shared")
        #expect(!reason.contains("/"), "no local paths in what the Helper is told")
        #expect(viewOnly.explain(decision)?.contains("control = view-only, set by this computer's policy, /etc/easy-connect/policy.conf:1") == true)

        #expect(EasyConnectSettings.defaults.invitationLifetimeDecision(.seconds(6 * 3600)) == .allowed)
        #expect(EasyConnectSettings.defaults.invitationLifetimeDecision(.seconds(6 * 3600 + 1)).key == .maximumInvitationLifetime)
        let short = try file("maximum-invitation-lifetime = 10m", "p").settings
        #expect(short.invitationLifetimeDecision(.seconds(600)) == .allowed)
        #expect(short.invitationLifetimeDecision(.seconds(601)).reason == "invitations may wait at most 10 minutes on this computer")
    }
}

extension SettingsDecision {
    /// The key of a refusal.
    var key: SettingKey? {
        if case .refused(let key, _) = self { return key }
        return nil
    }
}
