/// Why `AuthorityReassembler` refused an AUTHORITY fragment ([MS-PNRP] 3.1.5.6).
///
/// `killsEntry` tells whether the refusal also deleted the reassembly state for the fragment's
/// (Message ID, source endpoint), as the spec requires for an overrun or a Size mismatch.
public enum AuthorityReassemblyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The fragment breaks the AUTHORITY syntax ([MS-PNRP] 2.2.2.6): Size above 37348, Offset not a multiple
    /// of 1188, empty Buffer or one above 1188 bytes. The message is dropped; existing state is kept.
    case malformed(String)
    /// Offset + Buffer length exceeds Size ([MS-PNRP] 3.1.5.6). Kills the entry.
    case overrun(offset: Int, length: Int, size: Int)
    /// Size differs from the one the entry was created with ([MS-PNRP] 3.1.5.6). Kills the entry.
    case sizeMismatch(expected: Int, received: Int)
    /// The Acked Message ID differs from the entry's: the fragments cannot be one reply. Kills the entry.
    case ackedMessageIDMismatch(expected: UInt32, received: UInt32)
    /// A fragment that is not the last is shorter than 1188 bytes, so the buffer could never be completed
    /// ([MS-PNRP] 3.2.5.10). Kills the entry.
    case wrongFragmentLength(offset: Int, length: Int, expected: Int)
    /// A fragment at an offset already received carries different bytes. Kills the entry.
    case conflictingDuplicate(offset: Int)
    /// The buffer's Size alone exceeds the reassembler's memory budget. The message is dropped.
    case overBudget(size: Int, limit: Int)

    /// True when the refusal deleted the reassembly entry.
    public var killsEntry: Bool {
        switch self {
        case .malformed, .overBudget: false
        case .overrun, .sizeMismatch, .ackedMessageIDMismatch, .wrongFragmentLength, .conflictingDuplicate: true
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): "malformed AUTHORITY fragment: \(why)"
        case .overrun(let offset, let length, let size):
            "AUTHORITY fragment at offset \(offset) with \(length) bytes overruns the \(size)-byte buffer"
        case .sizeMismatch(let expected, let received):
            "AUTHORITY fragment announces Size \(received), earlier fragments \(expected)"
        case .ackedMessageIDMismatch(let expected, let received):
            "AUTHORITY fragment acknowledges message \(received), earlier fragments \(expected)"
        case .wrongFragmentLength(let offset, let length, let expected):
            "AUTHORITY fragment at offset \(offset) has \(length) bytes; a fragment there must have \(expected)"
        case .conflictingDuplicate(let offset):
            "AUTHORITY fragment at offset \(offset) was already received with different bytes"
        case .overBudget(let size, let limit):
            "AUTHORITY_BUFFER of \(size) bytes exceeds the reassembly budget of \(limit) bytes"
        }
    }
}
