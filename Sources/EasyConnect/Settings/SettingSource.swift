/// The two settings files, from the weaker to the stronger.
public enum SettingsLayer: String, Sendable, Hashable, CaseIterable {
    /// The person's own file (`$XDG_CONFIG_HOME/easy-connect/settings.conf`).
    case user
    /// The administrator's system policy (`/etc/easy-connect/policy.conf`): a key it sets cannot be changed
    /// by the user file.
    case policy
}

/// Where an effective value comes from.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// Nobody set it: the default.
    case defaultValue
    /// A line of a settings file.
    case file(SettingsLayer, path: String, line: Int)

    /// The layer, nil for a default.
    public var layer: SettingsLayer? {
        if case .file(let layer, _, _) = self { return layer }
        return nil
    }

    /// `default`, `policy /etc/easy-connect/policy.conf:3`, `settings file ~/.config/easy-connect/settings.conf:2`.
    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(.policy, let path, let line): "policy \(path):\(line)"
        case .file(.user, let path, let line): "settings file \(path):\(line)"
        }
    }
}
