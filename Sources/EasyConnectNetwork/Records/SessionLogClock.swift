import EasyConnect

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The wall clock and time zone session logs are stamped with: the driver reads them, the sans-IO core
/// only formats what it is given.
public struct SessionLogClock: Sendable {
    /// Seconds since 1970-01-01 UTC, now.
    public var unixSeconds: @Sendable () -> Int64

    /// A clock reading `unixSeconds` (tests pass a fixed time).
    public init(unixSeconds: @escaping @Sendable () -> Int64) { self.unixSeconds = unixSeconds }

    /// The system's real-time clock.
    public static let system = SessionLogClock { Int64(time(nil)) }

    /// The local time now, and its offset east of UTC in seconds.
    public func now() -> (time: SessionLogTime, utcOffset: Int) { Self.local(unixSeconds()) }

    /// The local time (the process's time zone, `TZ`) of `unixSeconds`, and its offset east of UTC.
    public static func local(_ unixSeconds: Int64) -> (time: SessionLogTime, utcOffset: Int) {
        var t = time_t(clamping: unixSeconds)
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { return (.unixEpoch, 0) }
        let time = SessionLogTime(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday), hour: Int(parts.tm_hour), minute: Int(parts.tm_min),
            second: Int(parts.tm_sec))
        return (time ?? .unixEpoch, Int(parts.tm_gmtoff))
    }

    /// `2025-03-14T09:56:53+01:00`: a moment in local time with its offset.
    public static func isoText(_ unixSeconds: Int64) -> String {
        let (time, offset) = local(unixSeconds)
        return time.dateText + "T" + time.timeText + SessionLogTime.offsetText(offset)
    }
}
