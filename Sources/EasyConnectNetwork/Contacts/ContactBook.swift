import EasyConnect
import Foundation
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `RAContactHistory.xml` in a data directory: the trust records kept after sessions. Every change reads the
/// file, changes it and replaces it atomically (temporary file, fsync, rename; mode 0600) under an exclusive
/// lock, so a User and a Helper sharing a data directory do not lose each other's records.
public struct ContactBook: Sendable {
    /// The file's name.
    public static let fileName = "RAContactHistory.xml"
    /// The directory holding it.
    public let directory: StateDirectory

    /// The contact history of `directory`.
    public init(directory: StateDirectory) { self.directory = directory }

    /// The file's path.
    public var path: String { directory.file(Self.fileName) }

    /// The records; empty when the file does not exist. A file that cannot be read is refused (and left as it is).
    public func load() throws(ContactError) -> ContactHistory {
        let bytes: [UInt8]?
        do {
            bytes = try directory.read(Self.fileName)
        } catch {
            throw .malformedHistory("\(error)")
        }
        guard let bytes else { return ContactHistory() }
        do {
            return try ContactHistory(parsing: bytes)
        } catch .malformedHistory(let why) {
            throw .malformedHistory("\(path): \(why)")
        }
    }

    /// Keeps `peer` after a session started at `microseconds` (Unix time). A file that cannot be read is moved
    /// aside first (never overwritten) and a new one started: the returned warnings say where it went.
    /// Refused, with nothing written, when the record of the peer's address holds another key.
    @discardableResult
    public func remember(_ peer: PeerIdentity, atMicroseconds microseconds: Int64) throws(ContactError) -> [String] {
        var namesakes: [ContactRecord] = []
        var warnings = try change { (history: inout ContactHistory) throws(ContactError) in
            let address = ContactAddress(of: peer.key)
            if history.record(for: address) == nil { namesakes = history.others(named: peer.displayName, than: address) }
            try history.remember(peer, atMicroseconds: microseconds)
            return true
        }
        for other in namesakes {
            warnings.append(
                "a new contact calls itself \"\(DisplayText.escaped(peer.displayName))\" (\(ContactAddress(of: peer.key))) like your contact \(other.address): "
                    + "they are different keys; check the fingerprint with the person before trusting the new one")
        }
        return warnings
    }

    /// Removes the record of `address`; returns it (nil: there was none, and nothing was written). A file that
    /// cannot be read is refused, not moved.
    public func remove(_ address: ContactAddress) throws(ContactError) -> ContactRecord? {
        var removed: ContactRecord?
        try change(moveAsideWhenUnreadable: false) { (history: inout ContactHistory) throws(ContactError) in
            removed = history.remove(address)
            return removed != nil
        }
        return removed
    }

    @discardableResult
    private func change(moveAsideWhenUnreadable: Bool = true, _ body: (inout ContactHistory) throws(ContactError) -> Bool) throws(ContactError) -> [String] {
        let lockPath = directory.file("RAContactHistory.lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .malformedHistory("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .malformedHistory("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        var warnings: [String] = []
        var history: ContactHistory
        do {
            history = try load()
        } catch {
            guard moveAsideWhenUnreadable, FileManager.default.fileExists(atPath: path) else { throw error }
            let aside = directory.moveAside(Self.fileName, label: "unreadable")
            // The unreadable file must be out of the way before a new one is written: never overwrite it.
            guard !FileManager.default.fileExists(atPath: path) else {
                throw .malformedHistory("\(error); it could not be moved aside, so nothing was written")
            }
            warnings.append("\(error); it was kept as \(aside) and a new contact history started")
            history = ContactHistory()
        }
        guard try body(&history) else { return warnings }
        do {
            try directory.writeAtomically(Self.fileName, history.encoded(), mode: 0o600)
        } catch {
            throw .malformedHistory("cannot write \(path): \(error)")
        }
        return warnings
    }
}
