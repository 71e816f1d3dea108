import PNRP

/// The text form of an application endpoint (IPV6_APP_ENDPOINT, [MS-PNRP] 2.2.3.1.3) used by the control
/// protocol and the commands: `127.0.0.2:8080/tcp`, `[2001:db8::1]:5222/udp`, `[::1]:9/proto132`.
public enum AppEndpointText {
    /// `ADDRESS:PORT/TRANSPORT`: tcp for protocol 6, udp for 17, `protoN` otherwise; IPv4-mapped addresses
    /// in dotted form.
    public static func format(_ e: IPv6AppEndpoint) -> String {
        let transport = e.ipProtocol == 6 ? "tcp" : e.ipProtocol == 17 ? "udp" : "proto\(e.ipProtocol)"
        return EndpointText.format(IPv6Endpoint(address: e.address, port: e.port)) + "/" + transport
    }

    /// Reads the form `format` writes: the port (1...65535) and the transport are required.
    public static func parse(_ text: String) throws(EndpointTextError) -> IPv6AppEndpoint {
        guard let slash = text.lastIndex(of: "/") else {
            throw .malformed(text, "add the transport after a '/': ADDRESS:PORT/tcp, /udp or /protoN")
        }
        let transport = text[text.index(after: slash)...].lowercased()
        let ipProtocol: UInt16
        switch transport {
        case "tcp": ipProtocol = 6
        case "udp": ipProtocol = 17
        default:
            guard transport.hasPrefix("proto"), let n = UInt16(transport.dropFirst(5)) else {
                throw .malformed(text, "unknown transport '\(transport)'; write tcp, udp or protoN")
            }
            ipProtocol = n
        }
        let hostPort = String(text[..<slash])
        let hasPort = hostPort.hasPrefix("[") ? hostPort.contains("]:") : hostPort.filter { $0 == ":" }.count == 1
        guard hasPort else { throw .malformed(text, "the port is missing: write ADDRESS:PORT/\(transport)") }
        let endpoint = try EndpointText(hostPort).endpoint
        return IPv6AppEndpoint(address: endpoint.address, port: endpoint.port, ipProtocol: ipProtocol)
    }
}
