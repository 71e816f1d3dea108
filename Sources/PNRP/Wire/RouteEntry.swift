/// A ROUTE_ENTRY ([MS-PNRP] 2.2.3.4): a PNRP ID and where the node that registered it listens.
///
/// On the wire (big-endian): PNRP ID (32), PNRP major (1) = 4, minor (1) = 0, port (2, > 1024), flags (1) = 0,
/// address count n (1, 1...20), n × IPv6 address (16).
///
/// Nearly every entry carries one address, so that one is stored inline; a heap array is kept only for an
/// entry with any other number of addresses. An entry is 64 bytes and allocates nothing in the common case.
public struct RouteEntry: Hashable, Sendable, CustomStringConvertible {
    /// The registered ID.
    public var id: PNRPID
    /// The only address when `moreAddresses` is nil; unused (`::`) otherwise.
    private var singleAddress: IPv6Address
    /// Every address when there are not exactly one; nil when `singleAddress` is the only one.
    private var moreAddresses: [IPv6Address]?
    /// The node's PNRP UDP port.
    public var port: UInt16
    /// PNRP version carried in the entry (4.0 for this implementation).
    public var versionMajor: UInt8
    /// Minor version.
    public var versionMinor: UInt8
    /// Reserved flags byte; sent as zero.
    public var flags: UInt8

    /// Largest address count the structure allows.
    public static let maximumAddresses = 20

    /// Builds a version 4.0 entry.
    public init(id: PNRPID, port: UInt16, addresses: [IPv6Address], versionMajor: UInt8 = 4, versionMinor: UInt8 = 0, flags: UInt8 = 0) {
        self.id = id
        self.singleAddress = IPv6Address(high: 0, low: 0)
        self.moreAddresses = nil
        self.port = port
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.flags = flags
        self.addresses = addresses
    }

    /// Builds a version 4.0 entry with one address, without allocating.
    public init(id: PNRPID, port: UInt16, address: IPv6Address, versionMajor: UInt8 = 4, versionMinor: UInt8 = 0, flags: UInt8 = 0) {
        self.id = id
        self.singleAddress = address
        self.moreAddresses = nil
        self.port = port
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.flags = flags
    }

    /// The node's addresses (1...20).
    public var addresses: [IPv6Address] {
        get { moreAddresses ?? [singleAddress] }
        set {
            if newValue.count == 1 {
                singleAddress = newValue[0]
                moreAddresses = nil
            } else {
                singleAddress = IPv6Address(high: 0, low: 0)
                moreAddresses = newValue
            }
        }
    }

    /// Number of addresses.
    public var addressCount: Int { moreAddresses?.count ?? 1 }

    /// The first address, if any.
    public var primaryAddress: IPv6Address? {
        guard let moreAddresses else { return singleAddress }
        return moreAddresses.first
    }

    /// Calls `body` with each address in order, without building an array.
    @inline(__always)
    func forEachAddress(_ body: (IPv6Address) -> Void) {
        guard let moreAddresses else { return body(singleAddress) }
        for a in moreAddresses { body(a) }
    }

    /// True when `address` is one of the entry's addresses.
    public func hasAddress(_ address: IPv6Address) -> Bool {
        guard let moreAddresses else { return singleAddress == address }
        return moreAddresses.contains(address)
    }

    /// The endpoints at which the node can be reached: each address with the entry's port.
    public var endpoints: [IPv6Endpoint] {
        guard let moreAddresses else { return [IPv6Endpoint(address: singleAddress, port: port)] }
        return moreAddresses.map { IPv6Endpoint(address: $0, port: port) }
    }

    /// The first endpoint, where messages for this ID are sent.
    public var primaryEndpoint: IPv6Endpoint? { primaryAddress.map { IPv6Endpoint(address: $0, port: port) } }

    /// True when `endpoint` is one of the entry's endpoints.
    public func hasEndpoint(_ endpoint: IPv6Endpoint) -> Bool { endpoint.port == port && hasAddress(endpoint.address) }

    /// True when any of the entry's endpoints is in `set`.
    @inline(__always)
    public func hasEndpoint(in set: Set<IPv6Endpoint>) -> Bool {
        guard let moreAddresses else { return set.contains(IPv6Endpoint(address: singleAddress, port: port)) }
        return moreAddresses.contains { set.contains(IPv6Endpoint(address: $0, port: port)) }
    }

    /// True when `other` names the same port and addresses (versions and reserved flags aside).
    public func sameLocation(as other: RouteEntry) -> Bool {
        port == other.port && singleAddress == other.singleAddress && moreAddresses == other.moreAddresses
    }

    /// `id@[address]:port`.
    public var description: String { "\(id)@\(primaryEndpoint.map(\.description) ?? "-")" }
}
