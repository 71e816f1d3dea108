/// The settings format for people: the example file `easy-connect settings --help` and the docs show
/// (tests read it back, so it stays valid).
public enum SettingsFormat {
    /// A complete example: every key, with comments.
    public static let example = """
        # /etc/easy-connect/policy.conf: what this computer's administrator fixes.
        # One setting per line, key = value; '#' starts a comment.
        allow-solicited-help = yes          # may people here run `easy-connect invite`
        allow-offers = yes                  # may helpers offer help unasked ...
        offers-allowed-from = 0123456789abcdef0123456789abcdef01234567.RAContact, 89abcdef0123456789abcdef0123456789abcdef
        control = view-only                 # helpers see the screen, never control it
        maximum-invitation-lifetime = 2h    # 1m to 30d; units s, m, h, d
        session-logging = yes
        bandwidth = no-background           # none, no-full-window-drag, no-background, full
        consent-timeout = 60                # seconds to answer the consent question, 10 to 120
        """

    /// One line per key: its name, what it decides, its allowed values and default.
    public static var keyTable: String {
        let width = SettingKey.allCases.map(\.name.count).max() ?? 0
        return SettingKey.allCases.map { key in
            let pad = String(repeating: " ", count: width - key.name.count)
            return "  \(key.name)\(pad)  \(key.summary)\n  \(String(repeating: " ", count: width))  values: \(key.allowedValues); default \(key.text(in: .defaults))"
        }.joined(separator: "\n")
    }
}
