/// A local wall-clock time to the second, as a session log writes it: `DATE="2025-03-14"` (ISO 8601; not
/// Windows' `MM/DD/YYYY`, which reads differently around the world) and `TIME="09:26:53"` (24-hour clock).
/// The driver reads the clock and the time zone; this type only holds and formats the result.
public struct SessionLogTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, 1 to 9999.
    public let year: Int
    /// The month, 1 to 12.
    public let month: Int
    /// The day of the month, 1 to 31 (checked against the month and leap years).
    public let day: Int
    /// The hour, 0 to 23.
    public let hour: Int
    /// The minute, 0 to 59.
    public let minute: Int
    /// The second, 0 to 60 (a leap second).
    public let second: Int

    /// A time, or nil when a field is out of range (30 February, 24:00:00 …).
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else {
            return nil
        }
        guard (1...Int(CivilDate.daysIn(month: Int64(month), year: Int64(year)))).contains(day) else { return nil }
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// 1970-01-01 00:00:00, what a clock that cannot be read shows.
    public static let unixEpoch = SessionLogTime(checked: (1970, 1, 1, 0, 0, 0))

    private init(checked f: (Int, Int, Int, Int, Int, Int)) {
        (year, month, day, hour, minute, second) = f
    }

    /// `2025-03-14`.
    public var dateText: String { "\(Self.digits(year, 4))-\(Self.digits(month, 2))-\(Self.digits(day, 2))" }

    /// `09:26:53`.
    public var timeText: String { "\(Self.digits(hour, 2)):\(Self.digits(minute, 2)):\(Self.digits(second, 2))" }

    /// `20250314092653`: the name of a session's log file, without `.xml`.
    public var compactText: String { dateText.filter { $0 != "-" } + timeText.filter { $0 != ":" } }

    /// `2025-03-14 09:26:53`.
    public var description: String { dateText + " " + timeText }

    /// Parses a `DATE` and a `TIME` attribute (`2025-03-14`, `09:26:53`); nil when either is malformed.
    public init?(date: String, time: String) {
        let d = Array(date.utf8), t = Array(time.utf8)
        guard d.count == 10, d[4] == UInt8(ascii: "-"), d[7] == UInt8(ascii: "-"), t.count == 8, t[2] == UInt8(ascii: ":"), t[5] == UInt8(ascii: ":"),
            let year = Self.number(d[0..<4]), let month = Self.number(d[5..<7]), let day = Self.number(d[8..<10]),
            let hour = Self.number(t[0..<2]), let minute = Self.number(t[3..<5]), let second = Self.number(t[6..<8])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    public static func < (a: SessionLogTime, b: SessionLogTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }

    // MARK: - Offsets from UTC

    /// `+01:00`, `-05:30`, `+00:00`: an offset east of UTC in seconds, as ISO 8601 writes it (whole minutes).
    public static func offsetText(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + digits(minutes / 60, 2) + ":" + digits(minutes % 60, 2)
    }

    /// Parses `+01:00` or `-05:30` (at most ±18:00) into seconds east of UTC.
    public static func parseOffset(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let hours = number(b[1..<3]), let minutes = number(b[4..<6]), minutes < 60, hours * 60 + minutes <= 18 * 60
        else { return nil }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    // MARK: - Helpers

    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// ASCII digits only (no sign, no spaces).
    static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(b - UInt8(ascii: "0"))
        }
        return bytes.isEmpty ? nil : value
    }
}
