/// Unix times as text for messages, computed without the C library (the sans-IO core reads no clock and no
/// time zone): `2025-01-31T10:45:00Z`.
public enum UnixTimeText {
    /// `unixSeconds` as ISO 8601 in UTC, for example `2023-11-14T22:13:20Z`.
    public static func iso8601(_ unixSeconds: UInt64) -> String {
        let days = Int64(unixSeconds / 86_400)
        let second = Int(unixSeconds % 86_400)
        let (year, month, day) = CivilDate.fromDays(days)
        func two<N: BinaryInteger>(_ n: N) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }
}
