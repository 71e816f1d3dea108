/// How hard screen sharing saves bandwidth (the `bandwidth` setting): the four optimisation levels of
/// Windows Remote Assistance's policy, each saving more than the one before. Screen sharing picks its
/// refresh rate and detail from it.
public enum BandwidthLevel: String, Sendable, Hashable, CaseIterable {
    /// No optimisation: everything is shown, as often as the link allows (the most bandwidth).
    case none
    /// No full-window drag: windows move as outlines.
    case noFullWindowDrag = "no-full-window-drag"
    /// No full-window drag and no desktop background.
    case noBackground = "no-background"
    /// Full optimisation: all of the above and 8-bit colour (the least bandwidth). The default, as the
    /// Windows policy offers it.
    case full
}
