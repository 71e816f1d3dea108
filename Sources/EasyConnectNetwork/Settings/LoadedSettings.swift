import EasyConnect

/// The settings in force and where they were read from.
public struct LoadedSettings: Sendable, Hashable {
    /// The places of the two files.
    public var locations: SettingsLocations
    /// The combined settings, with their sources.
    public var effective: EffectiveSettings

    /// Combined settings read from `locations`.
    public init(locations: SettingsLocations, effective: EffectiveSettings) { (self.locations, self.effective) = (locations, effective) }

    /// The values in force.
    public var settings: EasyConnectSettings { effective.settings }

    /// The settings of a computer without files (defaults only).
    public static func defaults(locations: SettingsLocations) -> LoadedSettings {
        LoadedSettings(locations: locations, effective: EffectiveSettings())
    }
}
