/// Why an invitation file (`InvitationFile`) cannot be written or opened. Each case says what is wrong and
/// what to do about it.
public enum InvitationFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file password has `characters` characters; it needs `InvitationFilePassword.minimumCharacters` (6).
    case passwordTooShort(characters: Int)
    /// The file password has `bytes` bytes of UTF-8, more than `InvitationFilePassword.maximumBytes`.
    case passwordTooLong(bytes: Int)
    /// The file password holds a control character (at 1-based `position`), which cannot be typed reliably.
    case passwordControlCharacter(position: Int)
    /// The ciphertext did not open: the file password is wrong, or some byte of the file was changed.
    case wrongPasswordOrChanged
    /// The invitation's lifetime ended at `expiresAt` (Unix seconds).
    case expired(expiresAt: UInt64)
    /// The lifetime, `minutes`, is zero or above the `maximumMinutes` this program allows.
    case lifetimeOutOfRange(minutes: UInt64, maximumMinutes: UInt32)
    /// The bytes are not an invitation file of this program at all (`why` says what they are instead).
    case notAnInvitationFile(String)
    /// The file is an invitation file, but `location` (an element, an attribute, a line and column) is wrong.
    case malformed(location: String, reason: String)
    /// The file is of an invitation file format version this program does not read.
    case unsupportedVersion(String)
    /// The invitation cannot be put into a file (a name too long, no endpoint …).
    case unencodable(MessageError)
    /// The key could not be derived from the file password (Argon2id could not get its memory): why.
    case keyDerivation(String)

    public var description: String {
        switch self {
        case .passwordTooShort(let n):
            "the file password has \(n) character\(n == 1 ? "" : "s"); it needs at least \(InvitationFilePassword.minimumCharacters)"
        case .passwordTooLong(let n):
            "the file password has \(n) bytes; at most \(InvitationFilePassword.maximumBytes) are allowed"
        case .passwordControlCharacter(let p):
            "character \(p) of the file password is a control character; use letters, digits, spaces and punctuation"
        case .wrongPasswordOrChanged:
            "wrong password, or the file was changed: check the password with the person who sent the file; if it is right, ask them for a new invitation file"
        case .expired(let t):
            "this invitation expired at \(UnixTimeText.iso8601(t)) (UTC): ask the person you help for a new invitation file"
        case .lifetimeOutOfRange(let minutes, let maximum):
            minutes == 0
                ? "an invitation file must live at least one minute"
                : "the invitation lives \(minutes) minutes, more than the \(maximum) minutes (\(Self.hours(maximum))) allowed; ask for one with a shorter lifetime"
        case .notAnInvitationFile(let why):
            "this is not an easy-connect invitation file: \(why)"
        case .malformed(let location, let reason):
            "the invitation file is malformed: \(location) \(reason); ask for a new invitation file"
        case .unsupportedVersion(let v):
            "the invitation file is of format version \(v), which this program does not read (update easy-connect)"
        case .unencodable(let e):
            "the invitation cannot be written to a file: \(e)"
        case .keyDerivation(let e):
            "cannot derive the file key: \(e)"
        }
    }

    private static func hours(_ minutes: UInt32) -> String {
        minutes % 60 == 0 ? "\(minutes / 60) hour\(minutes == 60 ? "" : "s")" : "\(minutes) minutes"
    }
}
