import EasyConnect

/// Where the two settings files are. The user file is `$EASY_CONNECT_SETTINGS`, else
/// `$XDG_CONFIG_HOME/easy-connect/settings.conf`, else `~/.config/easy-connect/settings.conf`; the policy is
/// `$EASY_CONNECT_POLICY`, else `/etc/easy-connect/policy.conf`. A command-line option beats both. A file
/// at its standard place may be absent (it then sets nothing); a file named explicitly must exist.
public struct SettingsLocations: Sendable, Hashable {
    /// One file's place.
    public struct Place: Sendable, Hashable {
        /// The path.
        public var path: String
        /// Named by an option or environment variable (then it must exist), not the standard place.
        public var explicit: Bool

        /// A place.
        public init(path: String, explicit: Bool) { (self.path, self.explicit) = (path, explicit) }
    }

    /// The user file.
    public var user: Place
    /// The system policy.
    public var policy: Place

    /// The system policy's standard path.
    public static let systemPolicyPath = "/etc/easy-connect/policy.conf"
    /// The environment variable naming the user file.
    public static let userVariable = "EASY_CONNECT_SETTINGS"
    /// The environment variable naming the policy.
    public static let policyVariable = "EASY_CONNECT_POLICY"

    /// Both places.
    public init(user: Place, policy: Place) { (self.user, self.policy) = (user, policy) }

    /// The places `environment` gives (`home` is the home directory, for `~/.config`). Empty variables count
    /// as unset.
    public static func standard(environment: [String: String], home: String) -> SettingsLocations {
        func given(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let user: Place
        if let path = given(userVariable) {
            user = Place(path: path, explicit: true)
        } else if let xdg = given("XDG_CONFIG_HOME"), xdg.hasPrefix("/") {
            user = Place(path: xdg + "/easy-connect/settings.conf", explicit: false)
        } else {
            user = Place(path: home + "/.config/easy-connect/settings.conf", explicit: false)
        }
        let policy = given(policyVariable).map { Place(path: $0, explicit: true) } ?? Place(path: systemPolicyPath, explicit: false)
        return SettingsLocations(user: user, policy: policy)
    }

    /// These places with the files named on the command line, when given.
    public func overriding(user userPath: String?, policy policyPath: String?) -> SettingsLocations {
        var out = self
        if let userPath { out.user = Place(path: userPath, explicit: true) }
        if let policyPath { out.policy = Place(path: policyPath, explicit: true) }
        return out
    }

    /// The place of `layer`.
    public func place(_ layer: SettingsLayer) -> Place { layer == .user ? user : policy }
}
