/// The settings format for people: the example file `easy-connect settings --help` and the docs show
/// (tests read it back, so it stays valid).
public enum SettingsFormat {
    /// A complete example: every key, with comments.
    public static let example = """
        # /etc/easy-connect/policy.conf: rules this computer's administrator fixes.
        # One setting per line, key = value; '#' starts a comment.
        allow-solicited-help = yes
        allow-offers = yes              # the helper below may offer help unasked
        offers-allowed-from = 0123456789abcdef0123456789abcdef01234567.RAContact
        control = view-only             # helpers see the screen, never control it
        maximum-invitation-lifetime = 2h
        session-logging = yes
        bandwidth = no-background       # no full-window drag, no background
        consent-timeout = 60            # seconds to answer the consent question
        panic-key = ctrl-g              # Esc stays an ordinary key in shared terminals
        """

    /// Two lines per key, within 80 columns: its values and default, then what it decides.
    public static var keyTable: String {
        SettingKey.allCases.map { key in
            "  \(key.name) = \(shortValues(key)) (default \(key == .offersAllowedFrom ? "nobody" : key.text(in: .defaults)))\n      \(key.summary)"
        }.joined(separator: "\n")
    }

    /// The values of `key` in a few words.
    static func shortValues(_ key: SettingKey) -> String {
        switch key {
        case .allowSolicitedHelp, .allowOffers, .sessionLogging: "yes or no"
        case .offersAllowedFrom: "contact addresses or fingerprints"
        case .control: "full or view-only"
        case .bandwidth: "none, no-full-window-drag, no-background or full"
        case .maximumInvitationLifetime: "1m to 30d"
        case .consentTimeout: "10 to 120 seconds"
        case .panicKey: "esc, ctrl-a … ctrl-z or none"
        }
    }
}
