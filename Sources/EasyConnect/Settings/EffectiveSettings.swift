/// The settings in force: the defaults, then the user file, then the system policy, key by key — a key the
/// policy sets takes the policy's value whatever the user file says. Each value keeps its source, and a
/// user value the policy overrode is remembered, so `easy-connect settings` can show both.
///
/// ```swift
/// let effective = EffectiveSettings(user: userFile, policy: policyFile)
/// effective.settings.control          // .viewOnly
/// effective.source(of: .control)       // .file(.policy, path: "/etc/easy-connect/policy.conf", line: 3)
/// ```
public struct EffectiveSettings: Sendable, Hashable {
    /// The values in force.
    public let settings: EasyConnectSettings
    /// The user file, when there is one.
    public let user: SettingsFile?
    /// The policy file, when there is one.
    public let policy: SettingsFile?

    /// Combines the defaults with `user` and then `policy`.
    public init(user: SettingsFile? = nil, policy: SettingsFile? = nil) {
        (self.user, self.policy) = (user, policy)
        var s = EasyConnectSettings()
        for file in [user, policy] {
            for (key, entry) in file?.entries ?? [:] { s.set(key, to: entry.value) }
        }
        settings = s
    }

    /// Where the value of `key` comes from.
    public func source(of key: SettingKey) -> SettingSource {
        if let policy, let entry = policy.entries[key] { return .file(.policy, path: policy.name, line: entry.line) }
        if let user, let entry = user.entries[key] { return .file(.user, path: user.name, line: entry.line) }
        return .defaultValue
    }

    /// The user file's line for `key` when the policy overrides it: that value is not in force.
    public func overridden(_ key: SettingKey) -> (source: SettingSource, value: SettingValue)? {
        guard let policy, policy.entries[key] != nil, let user, let entry = user.entries[key] else { return nil }
        return (.file(.user, path: user.name, line: entry.line), entry.value)
    }

    /// Settings that are valid but probably not what was meant, one sentence each.
    public var warnings: [String] {
        var out: [String] = []
        if settings.allowOffers, settings.offersAllowedFrom.isEmpty {
            out.append("allow-offers is yes but offers-allowed-from lists nobody, so every offer is refused; list the helpers' contact addresses")
        }
        for key in SettingKey.allCases {
            if let (source, value) = overridden(key), value != settings.value(of: key), case .file(_, let path, let line) = source {
                out.append("\(key.name) = \(key.text(of: value)) at \(path):\(line) has no effect: the policy sets \(key.text(in: settings))")
            }
        }
        return out
    }

    /// `decision`'s reason with the place that set its key: what the person is told locally.
    public func explain(_ decision: SettingsDecision) -> String? {
        guard case .refused(let key, let reason) = decision else { return nil }
        switch source(of: key) {
        case .defaultValue: return "\(reason) (\(key.name) = \(key.text(in: settings)), the default)"
        case .file(let layer, let path, let line):
            let whose = layer == .policy ? "this computer's policy, \(path):\(line); ask its administrator" : "your settings file \(path):\(line)"
            return "\(reason) (\(key.name) = \(key.text(in: settings)), set by \(whose))"
        }
    }
}
