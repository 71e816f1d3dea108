/// A table of numbers with named columns, one row per report interval, written as CSV.
///
/// The CSV is byte-stable: values in plain decimal with a fixed number of significant digits (see
/// `NumberText`), `.` as the decimal point whatever the locale, `\n` line ends, and an empty field for a
/// missing value (NaN or infinity) — never `nan`.
public struct TimeSeries: Sendable, Equatable {
    /// Column names, in output order.
    public let columns: [String]
    /// The rows, each with one value per column.
    public private(set) var rows: [[Double]] = []
    /// Significant digits of each written value.
    public var significantDigits: Int

    /// An empty table with the given columns.
    public init(columns: [String], significantDigits: Int = 6) {
        self.columns = columns
        self.significantDigits = significantDigits
    }

    /// Appends a row; it must have one value per column (use `.nan` for a missing value).
    public mutating func append(_ row: [Double]) {
        precondition(row.count == columns.count, "row of \(row.count) values for \(columns.count) columns")
        rows.append(row)
    }

    /// Appends a row given by column name; columns not named get `.nan` (an empty field). Names that are
    /// not columns are ignored.
    public mutating func append(_ values: [String: Double]) {
        rows.append(columns.map { values[$0] ?? .nan })
    }

    /// The values of one column, or nil when there is no column by that name.
    public func column(_ name: String) -> [Double]? {
        guard let i = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[i] }
    }

    /// The header line and one line per row, each ended by `\n`. Column names holding a comma, quote or
    /// line break are quoted as RFC 4180 says.
    public func csv() -> String {
        var out = columns.map(Self.field).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { NumberText.decimal($0, significantDigits: significantDigits) ?? "" }
                .joined(separator: ",")
            out += "\n"
        }
        return out
    }

    private static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
