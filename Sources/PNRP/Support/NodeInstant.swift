/// A point in time handed to the core by its driver, in nanoseconds since the Unix epoch.
///
/// The core never reads a clock: the network driver passes wall-clock time, the simulator and the tests
/// pass virtual time. Only differences and the CPA validity window (FILETIME) are derived from it.
public struct NodeInstant: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01 UTC.
    public var nanoseconds: UInt64

    /// Wraps a nanosecond count.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The instant `d` later (saturating).
    public static func + (t: NodeInstant, d: NodeDuration) -> NodeInstant {
        let (v, o) = t.nanoseconds.addingReportingOverflow(d.nanoseconds)
        return NodeInstant(nanoseconds: o ? .max : v)
    }

    /// The time from `b` to `a`, zero when `b` is later.
    public static func - (a: NodeInstant, b: NodeInstant) -> NodeDuration {
        NodeDuration(nanoseconds: a.nanoseconds > b.nanoseconds ? a.nanoseconds - b.nanoseconds : 0)
    }

    public static func < (a: NodeInstant, b: NodeInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The same instant as a CPA FILETIME.
    public var fileTime: FileTime { FileTime(unixNanoseconds: nanoseconds) }

    /// Seconds since the epoch, with fraction.
    public var description: String {
        let s = nanoseconds / 1_000_000_000, ms = nanoseconds / 1_000_000 % 1000
        return "\(s).\(String(ms).leftPadded(to: 3))s"
    }

    /// 2026-01-01T00:00:00Z, the epoch virtual clocks start from.
    public static let virtualEpoch = NodeInstant(nanoseconds: 1_767_225_600 * 1_000_000_000)
}

/// A length of time in nanoseconds.
public struct NodeDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Nanoseconds.
    public var nanoseconds: UInt64

    /// Wraps a nanosecond count.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// `n` milliseconds.
    public static func milliseconds(_ n: UInt64) -> NodeDuration { NodeDuration(nanoseconds: n * 1_000_000) }
    /// `n` seconds.
    public static func seconds(_ n: UInt64) -> NodeDuration { NodeDuration(nanoseconds: n * 1_000_000_000) }
    /// `n` minutes.
    public static func minutes(_ n: UInt64) -> NodeDuration { .seconds(n * 60) }
    /// `n` hours.
    public static func hours(_ n: UInt64) -> NodeDuration { .seconds(n * 3600) }

    /// Zero.
    public static let zero = NodeDuration(nanoseconds: 0)

    public static func + (a: NodeDuration, b: NodeDuration) -> NodeDuration { NodeDuration(nanoseconds: a.nanoseconds &+ b.nanoseconds) }
    public static func * (a: NodeDuration, k: UInt64) -> NodeDuration { NodeDuration(nanoseconds: a.nanoseconds &* k) }
    public static func < (a: NodeDuration, b: NodeDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Milliseconds with fraction.
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    /// `N ms`.
    public var description: String { "\(milliseconds) ms" }
}
