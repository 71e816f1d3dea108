import EasyConnect
import NIOCore
import PNRP

/// The addresses of this machine a Helper may reach the listener on, in the order an invitation lists
/// them: global IPv6, then IPv4, then IPv6 link-local (with their interface index), then loopback.
public enum LocalAddresses {
    /// Every address of every interface, as session endpoints with `port`. `includeLoopback` keeps
    /// 127.0.0.1 and ::1 (a Helper on the same machine, as in the local demo).
    public static func sessionEndpoints(port: UInt16, includeLoopback: Bool = true) -> [SessionEndpoint] {
        let devices = (try? System.enumerateDevices()) ?? []
        var global: [SessionEndpoint] = [], v4: [SessionEndpoint] = [], linkLocal: [SessionEndpoint] = [], loopback: [SessionEndpoint] = []
        var seen = Set<SessionEndpoint>()
        for device in devices {
            guard let address = device.address, let endpoint = IPv6Endpoint(address) else { continue }
            let e = SessionEndpoint(address: endpoint.address, port: port, scopeID: UInt32(device.interfaceIndex))
            guard seen.insert(e).inserted else { continue }
            if isLoopback(endpoint.address) {
                if includeLoopback { loopback.append(e) }
            } else if endpoint.address.isLinkLocal {
                linkLocal.append(e)
            } else if endpoint.address.isIPv4Mapped {
                v4.append(e)
            } else {
                global.append(e)
            }
        }
        return Array((global + v4 + linkLocal + loopback).prefix(Invitation.maximumEndpoints))
    }

    /// Interface indexes that have an IPv6 link-local address: where a link-local endpoint may be tried.
    public static func linkLocalInterfaces() -> [UInt32] {
        let devices = (try? System.enumerateDevices()) ?? []
        var out: [UInt32] = []
        for device in devices {
            guard let address = device.address, let e = IPv6Endpoint(address), e.address.isLinkLocal else { continue }
            let index = UInt32(device.interfaceIndex)
            if !out.contains(index) { out.append(index) }
        }
        return out
    }

    /// True for 127.0.0.0/8 and ::1.
    public static func isLoopback(_ address: IPv6Address) -> Bool {
        address == .loopback || (address.isIPv4Mapped && (address.low >> 24) & 0xFF == 127)
    }
}
