import PNRP

/// Where a User's session listener accepts TCP connections: an address (IPv4 as IPv4-mapped IPv6), a
/// port, and for an IPv6 link-local address the interface index it was bound on at the User's side.
///
/// A scope index means nothing on the Helper's machine: a Helper reaching a link-local address uses the
/// interface on which it found the invitation, or tries each of its own.
public struct SessionEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The address.
    public var address: IPv6Address
    /// The TCP port.
    public var port: UInt16
    /// The User's interface index for a link-local address; 0 otherwise.
    public var scopeID: UInt32

    /// Builds an endpoint.
    public init(address: IPv6Address, port: UInt16, scopeID: UInt32 = 0) {
        (self.address, self.port, self.scopeID) = (address, port, address.isLinkLocal ? scopeID : 0)
    }

    /// Encoded size: address 16, port 2, scope 4.
    static let byteCount = 22

    /// `192.0.2.1:5000`, `[2001:db8::1]:5000`, `[fe80::1%3]:5000`.
    public var description: String {
        if address.isIPv4Mapped {
            let v = address.low
            return "\(v >> 24 & 0xFF).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF):\(port)"
        }
        return "[\(address)\(scopeID != 0 ? "%\(scopeID)" : "")]:\(port)"
    }
}

extension SessionEndpoint {
    /// Writes address (16), port (2), scope (4).
    func write(to w: inout MessageWriter) {
        w.write(bytes: address.bytes)
        w.write(port)
        w.write(scopeID)
    }

    /// Reads what `write(to:)` wrote; a port of 0 is refused. `field` names the endpoint in errors.
    init(reading r: inout MessageReader, field: String) throws(MessageError) {
        guard let address = IPv6Address(bytes: try r.readBytes(16, "\(field) address")) else { throw .truncated(field: "\(field) address") }
        let port = try r.readUInt16("\(field) port")
        guard port != 0 else { throw .badValue(field: "\(field) port", reason: "is 0") }
        self.init(address: address, port: port, scopeID: try r.readUInt32("\(field) scope"))
    }
}
