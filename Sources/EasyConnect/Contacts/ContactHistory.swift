import Foundation
import PeerCrypto

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The trust records of one person, as `RAContactHistory.xml` holds them:
///
///     <RAINVITATIONCOLL>
///       <RAINVITATIONITEM NAME="…" COMPUTERNAME="…" AVATAR="base64…" PUBLICKEY="base64…"
///          ADDRESS="<40 hex>.RAContact" TYPE="1" TIME="YYYYMMDDHHMMSS.ffffff"/>
///     </RAINVITATIONCOLL>
///
/// Reading is strict (`XMLTree`): a file that is not such a collection, or whose items lack an attribute or
/// hold one that cannot be read, is refused as a whole with the item and attribute named. An item whose key
/// does not own its address is kept as read and flagged (`ContactRecord.isConsistent`): it was changed, and
/// using it is refused with both fingerprints, but it does not make the other contacts unusable.
public struct ContactHistory: Sendable, Hashable {
    /// The records, most recent session first.
    public private(set) var records: [ContactRecord]

    /// The root element's name.
    public static let rootName = "RAINVITATIONCOLL"
    /// The items' name.
    public static let itemName = "RAINVITATIONITEM"
    /// Most records kept.
    public static let maximumRecords = 1000

    /// An empty history.
    public init() { records = [] }

    /// Reads a history file.
    public init(parsing bytes: [UInt8]) throws(ContactError) {
        let root: XMLTreeElement
        do {
            root = try XMLTree.parse(bytes)
        } catch {
            throw .malformedHistory(error.description)
        }
        guard root.name == Self.rootName else { throw .malformedHistory("the root element is <\(root.name)>, not <\(Self.rootName)>") }
        guard root.children.count <= Self.maximumRecords else { throw .malformedHistory("more than \(Self.maximumRecords) items") }
        var out: [ContactRecord] = []
        var seen: Set<ContactAddress> = []
        for (index, item) in root.children.enumerated() {
            let record = try Self.record(item, number: index + 1)
            guard seen.insert(record.address).inserted else {
                throw .malformedHistory("line \(item.line), item \(index + 1): a second record for \(record.address)")
            }
            out.append(record)
        }
        records = out
    }

    private static func record(_ item: XMLTreeElement, number: Int) throws(ContactError) -> ContactRecord {
        let at = "line \(item.line), item \(number)"
        guard item.name == itemName else { throw .malformedHistory("\(at): <\(item.name)> where <\(itemName)> was expected") }
        func attribute(_ key: String) throws(ContactError) -> String {
            guard let v = item.attributes[key] else { throw .malformedHistory("\(at): the \(key) attribute is missing") }
            return v
        }
        func base64(_ key: String) throws(ContactError) -> [UInt8] {
            let text = try attribute(key)
            guard let data = Data(base64Encoded: text) else { throw .malformedHistory("\(at): \(key) is not base64") }
            return Array(data)
        }
        let keyBytes = try base64("PUBLICKEY")
        guard let key = try? Ed25519PublicKey(bytes: keyBytes) else {
            throw .malformedHistory("\(at): PUBLICKEY holds \(keyBytes.count) bytes, not a 32-byte Ed25519 key")
        }
        let address: ContactAddress
        do {
            address = try ContactAddress(parsing: try attribute("ADDRESS"))
        } catch {
            throw .malformedHistory("\(at): ADDRESS: \(error)")
        }
        let avatar = item.attributes["AVATAR"] == nil ? [] : try base64("AVATAR")
        guard avatar.count <= ContactRecord.maximumAvatarBytes else { throw .malformedHistory("\(at): AVATAR is larger than \(ContactRecord.maximumAvatarBytes) bytes") }
        guard let type = Int(try attribute("TYPE")), (0...255).contains(type) else { throw .malformedHistory("\(at): TYPE is not a number from 0 to 255") }
        guard let time = ContactRecord.microseconds(fromTimeText: try attribute("TIME")) else {
            throw .malformedHistory("\(at): TIME is not YYYYMMDDHHMMSS.ffffff")
        }
        let name = try attribute("NAME"), computer = item.attributes["COMPUTERNAME"] ?? ""
        return ContactRecord(
            name: LocalIdentity.fitted(name), computerName: LocalIdentity.fitted(computer), avatar: avatar, publicKey: key, address: address, type: type,
            lastSessionMicroseconds: time)
    }

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        let root = XMLText.element(Self.rootName)
        for r in records {
            root.addChild(
                XMLText.element(
                    Self.itemName,
                    orderedAttributes: [
                        ("NAME", r.name), ("COMPUTERNAME", r.computerName), ("AVATAR", Data(r.avatar).base64EncodedString()),
                        ("PUBLICKEY", Data(r.publicKey.bytes).base64EncodedString()), ("ADDRESS", r.address.description), ("TYPE", String(r.type)),
                        ("TIME", r.timeText),
                    ]))
        }
        return XMLText.document(root)
    }

    /// The record of `address`, as stored (check `isConsistent`, or use `trustedKey(for:)`).
    public func record(for address: ContactAddress) -> ContactRecord? {
        records.first { $0.address == address }
    }

    /// The key to expect from `address`: refused when there is no such contact, or when the record's key does
    /// not own the address (a changed record).
    public func trustedKey(for address: ContactAddress) throws(ContactError) -> (ContactRecord, Ed25519PublicKey) {
        guard let r = record(for: address) else { throw .unknownContact(address) }
        return (r, try r.checkedKey())
    }

    /// Remembers `peer` after a session that started at `microseconds`: a new record, or the names and time of
    /// its existing one (the most recent first). Refused, with nothing changed, when the record kept for the
    /// peer's address holds another key.
    public mutating func remember(_ peer: PeerIdentity, atMicroseconds microseconds: Int64) throws(ContactError) {
        let address = ContactAddress(of: peer.key)
        var updated = ContactRecord(peer: peer, atMicroseconds: microseconds)
        if let index = records.firstIndex(where: { $0.address == address }) {
            let old = records[index]
            guard old.publicKey == peer.key else {
                throw .keyMismatch(
                    address: address, recorded: old.keyFingerprint, found: PeerIdentity.fingerprint(of: peer.key),
                    context: "the record kept for this address holds another key (RAContactHistory.xml was changed)")
            }
            updated.avatar = old.avatar
            records.remove(at: index)
        }
        records.insert(updated, at: 0)
        if records.count > Self.maximumRecords { records.removeLast(records.count - Self.maximumRecords) }
    }

    /// Other contacts already shown under `name`: a new contact taking it would be easy to mistake for them.
    public func others(named name: String, than address: ContactAddress) -> [ContactRecord] {
        records.filter { $0.address != address && $0.name == name }
    }

    /// Removes the record of `address`; returns it, or nil when there was none.
    @discardableResult
    public mutating func remove(_ address: ContactAddress) -> ContactRecord? {
        guard let index = records.firstIndex(where: { $0.address == address }) else { return nil }
        return records.remove(at: index)
    }
}
