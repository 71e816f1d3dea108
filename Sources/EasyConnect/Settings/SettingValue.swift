/// The value of one setting, of the kind its key takes.
public enum SettingValue: Sendable, Hashable {
    /// yes / no.
    case flag(Bool)
    /// Helper fingerprints (40 lowercase hex digits each).
    case helpers([String])
    /// `full` or `view-only`.
    case control(ControlPermission)
    /// A bandwidth level.
    case bandwidth(BandwidthLevel)
    /// A duration in whole seconds.
    case seconds(Int)
    /// A panic key.
    case panicKey(SharingKeyboard.PanicKey)
}
