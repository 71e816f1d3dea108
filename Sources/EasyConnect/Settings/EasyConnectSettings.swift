/// The rules an administrator (system policy) or the person (their settings file) can fix for Easy
/// Connect, as Windows Remote Assistance's policy does. The defaults are those of a computer with no
/// settings files. `EffectiveSettings` combines the defaults with the files and remembers where each
/// value came from; `SettingsFile` reads the text format (`docs/easy-connect.md`, "Settings").
public struct EasyConnectSettings: Sendable, Hashable {
    /// May this person ask for help (`easy-connect invite`)? Default yes.
    public var allowSolicitedHelp = true
    /// May Helpers offer help without being asked? Default no.
    public var allowOffers = false
    /// The Helpers whose unsolicited offers may be accepted: their fingerprints, 40 lowercase hex digits
    /// (the authority of their `<fingerprint>.RAContact` address). Offers from anyone else are refused.
    public var offersAllowedFrom: [String] = []
    /// Whether Helpers may be given control, or sessions are view-only. Default full.
    public var control = ControlPermission.full
    /// The longest an invitation may wait for a Helper: 6 hours by default, 1 minute to 30 days.
    public var maximumInvitationLifetime = Duration.seconds(6 * 3600)
    /// Whether sessions write a log. Default yes.
    public var sessionLogging = true
    /// How hard screen sharing saves bandwidth. Default `full` (full optimisation).
    public var bandwidth = BandwidthLevel.full
    /// How long the consent question waits for an answer before it counts as no: 120 seconds by default,
    /// 10 to 120. It is also the longest `--consent-timeout` may ask for.
    public var consentTimeout = Duration.seconds(120)
    /// The key that ends Control Sharing of a terminal at once: Esc by default, as in Windows.
    public var panicKey = SharingKeyboard.PanicKey.escape

    /// The defaults.
    public init() {}

    /// The defaults: what a computer with no settings files uses.
    public static let defaults = EasyConnectSettings()

    /// Bounds of `maximumInvitationLifetime`, in seconds: 1 minute to 30 days.
    public static let invitationLifetimeRange = 60...(30 * 86_400)
    /// Bounds of `consentTimeout`, in seconds: 10 to 120 (Helpers wait 2 minutes for the answer).
    public static let consentTimeoutRange = 10...120

    /// `maximumInvitationLifetime` in whole seconds.
    public var maximumInvitationLifetimeSeconds: Int { Int(maximumInvitationLifetime.components.seconds) }
    /// `consentTimeout` in whole seconds.
    public var consentTimeoutSeconds: Int { Int(consentTimeout.components.seconds) }

    /// The value of `key`.
    public func value(of key: SettingKey) -> SettingValue {
        switch key {
        case .allowSolicitedHelp: .flag(allowSolicitedHelp)
        case .allowOffers: .flag(allowOffers)
        case .offersAllowedFrom: .helpers(offersAllowedFrom)
        case .control: .control(control)
        case .maximumInvitationLifetime: .seconds(maximumInvitationLifetimeSeconds)
        case .sessionLogging: .flag(sessionLogging)
        case .bandwidth: .bandwidth(bandwidth)
        case .consentTimeout: .seconds(consentTimeoutSeconds)
        case .panicKey: .panicKey(panicKey)
        }
    }

    /// Sets `key` to `value`, a value `key.parse` produced (a value of another kind changes nothing).
    mutating func set(_ key: SettingKey, to value: SettingValue) {
        switch (key, value) {
        case (.allowSolicitedHelp, .flag(let b)): allowSolicitedHelp = b
        case (.allowOffers, .flag(let b)): allowOffers = b
        case (.offersAllowedFrom, .helpers(let list)): offersAllowedFrom = list
        case (.control, .control(let c)): control = c
        case (.maximumInvitationLifetime, .seconds(let s)): maximumInvitationLifetime = .seconds(s)
        case (.sessionLogging, .flag(let b)): sessionLogging = b
        case (.bandwidth, .bandwidth(let b)): bandwidth = b
        case (.consentTimeout, .seconds(let s)): consentTimeout = .seconds(s)
        case (.panicKey, .panicKey(let k)): panicKey = k
        default: break
        }
    }
}
