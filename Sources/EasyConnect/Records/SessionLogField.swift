/// The attributes a session log record may carry besides `DATE`, `TIME` and `EVENT`. A log never holds a
/// password, a key, or anything the Helper typed into the User's computer.
public enum SessionLogField: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A person's display name, or a file's name in file records.
    case name = "NAME"
    /// The peer's computer name.
    case computerName = "COMPUTERNAME"
    /// The peer's contact address, `<40 hex>.RAContact` (the fingerprint of its proven key).
    case address = "ADDRESS"
    /// An IP address and port: the Helper's as the User saw it, or the User's the Helper connected to.
    case ip = "IP"
    /// A size in bytes.
    case size = "SIZE"
    /// A file's SHA-256, 64 hex digits.
    case sha256 = "SHA256"
    /// `sent` (this side's) or `received` (the other side's): chat messages, files.
    case direction = "DIRECTION"
    /// How many wrong passwords the invitation still takes.
    case remaining = "REMAINING"
    /// When the invitation expires, local time with its offset (`2025-03-14T09:56:53+01:00`).
    case expires = "EXPIRES"
    /// A short machine-readable code of how something ended (`ended`, `refused`, `panic-key` …).
    case outcome = "OUTCOME"
    /// Why something ended or failed, as a sentence.
    case reason = "REASON"
    /// How many records were not logged because the log reached its size limit.
    case omitted = "OMITTED"

    /// Order of the attributes in a written record: the order of the cases.
    public static func < (a: SessionLogField, b: SessionLogField) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}
