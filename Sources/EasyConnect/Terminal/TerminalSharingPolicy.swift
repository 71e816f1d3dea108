import PNRP

/// What a bandwidth level means for a shared terminal: how often frames may leave, whether they are
/// compressed, whether colours are reduced. Windows' four levels save more at each step; their terminal
/// counterparts are:
///
/// | level | frames | compression | colours |
/// |---|---|---|---|
/// | `none` | every update, as soon as the emulator has it | no | 24-bit |
/// | `no-full-window-drag` | at most 30 per second (intermediate states skipped) | no | 24-bit |
/// | `no-background` | at most 30 per second | deflate | 24-bit |
/// | `full` | at most 10 per second | deflate | 256 |
///
/// A small change — at most two rows, nothing scrolled (a keystroke's echo, a clock) — leaves at once,
/// however recent the last frame, only spaced by `smallFrameInterval`: typing stays as quick at every level,
/// and pacing delays the large updates of busy output.
public struct TerminalSharingPolicy: Hashable, Sendable {
    /// Least time between two frames.
    public var frameInterval: NodeDuration
    /// Least time between two frames of small changes (at most 100 a second).
    public var smallFrameInterval: NodeDuration { frameInterval == .zero ? .zero : .milliseconds(10) }
    /// Frames are deflated.
    public var compresses: Bool
    /// RGB colours are sent as the nearest of 256.
    public var reducesColours: Bool

    /// The policy of `level`.
    public init(_ level: BandwidthLevel) {
        switch level {
        case .none: (frameInterval, compresses, reducesColours) = (.zero, false, false)
        case .noFullWindowDrag: (frameInterval, compresses, reducesColours) = (.milliseconds(33), false, false)
        case .noBackground: (frameInterval, compresses, reducesColours) = (.milliseconds(33), true, false)
        case .full: (frameInterval, compresses, reducesColours) = (.milliseconds(100), true, true)
        }
    }
}
