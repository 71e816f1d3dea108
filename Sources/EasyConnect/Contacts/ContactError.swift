/// Why a contact or the contact history cannot be used. Each says what is wrong and what to do.
public enum ContactError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not a contact address.
    case badAddress(String, String)
    /// The history file is not a readable `RAContactHistory.xml`.
    case malformedHistory(String)
    /// No contact has this address.
    case unknownContact(ContactAddress)
    /// The record's key does not own its address (the record was changed), or a key other than the recorded
    /// one answered for it: both fingerprints, so the person can compare them.
    case keyMismatch(address: ContactAddress, recorded: String, found: String, context: String)

    public var description: String {
        switch self {
        case .badAddress(let text, let why): "\"\(DisplayText.escaped(text))\" is not a contact address: \(why)"
        case .malformedHistory(let why): "the contact history is not readable: \(why)"
        case .unknownContact(let a): "you have no contact \(a); easy-connect contacts lists the ones you have (each side keeps the other after a first session)"
        case .keyMismatch(let a, let recorded, let found, let context):
            "refusing contact \(a): \(context) — the expected key's fingerprint is \(recorded), the key found has \(found); nothing was updated. "
                + "If the contact made a new key, remove the record (easy-connect contacts remove \(a)) and connect once with a password"
        }
    }
}
