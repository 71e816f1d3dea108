/// The keys of a settings file, kebab-case, in the order `easy-connect settings` lists them.
public enum SettingKey: String, Sendable, Hashable, CaseIterable, Comparable {
    /// `allow-solicited-help`: may this person run `easy-connect invite`.
    case allowSolicitedHelp = "allow-solicited-help"
    /// `allow-offers`: may Helpers offer help without being asked.
    case allowOffers = "allow-offers"
    /// `offers-allowed-from`: the only Helpers whose offers are accepted.
    case offersAllowedFrom = "offers-allowed-from"
    /// `control`: `full`, or `view-only` sessions.
    case control
    /// `maximum-invitation-lifetime`: the longest an invitation may wait.
    case maximumInvitationLifetime = "maximum-invitation-lifetime"
    /// `session-logging`: whether sessions write a log.
    case sessionLogging = "session-logging"
    /// `bandwidth`: how hard screen sharing saves bandwidth.
    case bandwidth
    /// `consent-timeout`: seconds the consent question waits.
    case consentTimeout = "consent-timeout"
    /// `panic-key`: the key that ends shared control of a terminal at once.
    case panicKey = "panic-key"

    /// The key as a file writes it.
    public var name: String { rawValue }

    /// Orders keys as `allCases` lists them.
    public static func < (a: SettingKey, b: SettingKey) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }

    /// One sentence saying what the key decides.
    public var summary: String {
        switch self {
        case .allowSolicitedHelp: "whether you may ask for help (easy-connect invite)"
        case .allowOffers: "whether helpers may offer help without being asked"
        case .offersAllowedFrom: "the only helpers whose offers are accepted, separated by commas"
        case .control: "whether a helper may be given control (full) or sessions are view-only"
        case .maximumInvitationLifetime: "the longest an invitation may wait for a helper"
        case .sessionLogging: "whether sessions write a log"
        case .bandwidth: "how hard screen sharing saves bandwidth"
        case .consentTimeout: "seconds to answer the consent question; the longest --consent-timeout too"
        case .panicKey: "the key that takes control of a shared terminal back at once (swallowed, never typed)"
        }
    }

    /// The values the key takes, as error messages and `--help` state them.
    public var allowedValues: String {
        switch self {
        case .allowSolicitedHelp, .allowOffers, .sessionLogging: "yes, no, true or false"
        case .offersAllowedFrom:
            "contact addresses <40 hex digits>.RAContact or 40-hex fingerprints, separated by commas (nothing: nobody)"
        case .control: ControlPermission.allCases.map(\.rawValue).joined(separator: " or ")
        case .bandwidth: BandwidthLevel.allCases.map(\.rawValue).joined(separator: ", ")
        case .maximumInvitationLifetime:
            "\(SettingsDurationText.format(EasyConnectSettings.invitationLifetimeRange.lowerBound)) to \(SettingsDurationText.format(EasyConnectSettings.invitationLifetimeRange.upperBound)), a number and a unit s, m, h or d (90s, 30m, 6h, 2d)"
        case .consentTimeout:
            "\(EasyConnectSettings.consentTimeoutRange.lowerBound) to \(EasyConnectSettings.consentTimeoutRange.upperBound) seconds (120, or with a unit: 90s, 2m)"
        case .panicKey: "esc, ctrl-a to ctrl-z (not ctrl-i or ctrl-m), or none"
        }
    }

    /// The value `settings` holds for this key, as a file would write it.
    public func text(in settings: EasyConnectSettings) -> String { text(of: settings.value(of: self)) }

    /// `value` as a file would write it for this key.
    public func text(of value: SettingValue) -> String {
        switch value {
        case .flag(let b): b ? "yes" : "no"
        case .helpers(let list): list.joined(separator: ", ")
        case .control(let c): c.rawValue
        case .bandwidth(let b): b.rawValue
        case .seconds(let s): self == .consentTimeout ? "\(s)" : SettingsDurationText.format(s)
        case .panicKey(let k): k.settingText
        }
    }

    /// The key a mistyped `text` most likely meant: the same letters in another case or with `_`, spaces or
    /// no separators (`consent_timeout`, `ConsentTimeout`).
    public static func suggestion(for text: String) -> SettingKey? {
        func folded(_ s: String) -> String { String(s.lowercased().unicodeScalars.filter { $0 != "-" && $0 != "_" && $0 != " " }) }
        let wanted = folded(text)
        return allCases.first { folded($0.rawValue) == wanted }
    }

    /// The value `text` gives this key, or the problem with it.
    public func parse(_ text: String) -> Result<SettingValue, SettingsProblem> {
        if text.isEmpty, self != .offersAllowedFrom { return .failure(.missingValue(allowed: allowedValues)) }
        switch self {
        case .allowSolicitedHelp, .allowOffers, .sessionLogging:
            switch text.lowercased() {
            case "yes", "true": return .success(.flag(true))
            case "no", "false": return .success(.flag(false))
            default: return .failure(.notABoolean)
            }
        case .control:
            guard let c = ControlPermission(rawValue: text.lowercased()) else {
                return .failure(.notAChoice(allowed: ControlPermission.allCases.map(\.rawValue)))
            }
            return .success(.control(c))
        case .bandwidth:
            guard let b = BandwidthLevel(rawValue: text.lowercased()) else {
                return .failure(.notAChoice(allowed: BandwidthLevel.allCases.map(\.rawValue)))
            }
            return .success(.bandwidth(b))
        case .panicKey:
            guard let key = SharingKeyboard.PanicKey(text) else { return .failure(.notAChoice(allowed: ["esc", "ctrl-a … ctrl-z", "none"])) }
            return .success(.panicKey(key))
        case .offersAllowedFrom:
            return Self.parseHelpers(text)
        case .maximumInvitationLifetime:
            return Self.parseSeconds(text, unitless: false, range: EasyConnectSettings.invitationLifetimeRange, key: self)
        case .consentTimeout:
            return Self.parseSeconds(text, unitless: true, range: EasyConnectSettings.consentTimeoutRange, key: self)
        }
    }

    private static func parseHelpers(_ text: String) -> Result<SettingValue, SettingsProblem> {
        guard !text.isEmpty else { return .success(.helpers([])) }
        var list: [String] = []
        for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = part.trimmingBlanks()
            guard !entry.isEmpty else { return .failure(.emptyListEntry(position: index + 1)) }
            guard let fingerprint = HelperAddress.fingerprint(entry) else { return .failure(.notAHelperAddress(entry)) }
            if !list.contains(fingerprint) { list.append(fingerprint) }
        }
        return .success(.helpers(list))
    }

    private static func parseSeconds(_ text: String, unitless: Bool, range: ClosedRange<Int>, key: SettingKey) -> Result<SettingValue, SettingsProblem> {
        guard let seconds = SettingsDurationText.parse(text, unitless: unitless) else {
            return .failure(.notADuration(allowed: key.allowedValues))
        }
        let inSeconds = key == .consentTimeout
        func shown(_ n: Int) -> String { inSeconds ? "\(n)" : SettingsDurationText.format(n) }
        func words(_ n: Int) -> String { inSeconds ? "\(n) seconds" : SettingsDurationText.words(n) }
        let rangeText = "\(shown(range.lowerBound)) to \(shown(range.upperBound))"
        if seconds < range.lowerBound {
            return .failure(.belowMinimum(minimum: words(range.lowerBound), range: rangeText))
        }
        if seconds > range.upperBound {
            return .failure(.aboveMaximum(maximum: words(range.upperBound), range: rangeText))
        }
        return .success(.seconds(seconds))
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
