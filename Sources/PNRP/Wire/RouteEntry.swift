/// A ROUTE_ENTRY ([MS-PNRP] 2.2.3.4): a PNRP ID and where the node that registered it listens.
///
/// On the wire (big-endian): PNRP ID (32), PNRP major (1) = 4, minor (1) = 0, port (2, > 1024), flags (1) = 0,
/// address count n (1, 1...20), n × IPv6 address (16).
public struct RouteEntry: Hashable, Sendable, CustomStringConvertible {
    /// The registered ID.
    public var id: PNRPID
    /// The node's PNRP UDP port.
    public var port: UInt16
    /// The node's addresses (1...20).
    public var addresses: [IPv6Address]
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
        self.port = port
        self.addresses = addresses
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.flags = flags
    }

    /// The endpoints at which the node can be reached: each address with the entry's port.
    public var endpoints: [IPv6Endpoint] { addresses.map { IPv6Endpoint(address: $0, port: port) } }

    /// The first endpoint, where messages for this ID are sent.
    public var primaryEndpoint: IPv6Endpoint? { addresses.first.map { IPv6Endpoint(address: $0, port: port) } }

    /// True when any of the entry's endpoints is in `set`.
    @inline(__always)
    public func hasEndpoint(in set: Set<IPv6Endpoint>) -> Bool {
        addresses.contains { set.contains(IPv6Endpoint(address: $0, port: port)) }
    }

    /// True when `other` names the same port and addresses (versions and reserved flags aside).
    public func sameLocation(as other: RouteEntry) -> Bool { port == other.port && addresses == other.addresses }

    /// `id@[address]:port`.
    public var description: String { "\(id)@\(primaryEndpoint.map(\.description) ?? "-")" }
}
