import NIOCore
import PNRP

/// Which clouds a host opens and where each listens, worked out from the configuration and the machine's
/// interfaces ([MS-PNRP] 3.1.4.1: addresses of one scope per cloud, the same port for all).
struct CloudPlan: Sendable {
    struct Item: Sendable {
        var cloud: CloudScope
        var endpoint: IPv6Endpoint
        var zone: UInt32
        var interface: String?
    }

    var items: [Item] = []
    /// Interfaces (name, index) on which the SSDP listener joins the group.
    var multicastInterfaces: [NIONetworkDevice] = []
    /// IPv4 broadcast addresses of the interfaces.
    var broadcasts: Set<IPv6Address> = []
    /// Interfaces asked for by name that do not exist or have no IPv6 link-local address.
    var missingInterfaces: [String] = []

    static func make(_ configuration: HostConfiguration) throws -> CloudPlan {
        var plan = CloudPlan()
        let devices = (try? System.enumerateDevices()) ?? []
        if configuration.global {
            let address: IPv6Address
            if let text = configuration.address {
                guard let a = EndpointText.parseAddress(text) else {
                    throw EndpointTextError.malformed(text, "not a numeric IPv4 or IPv6 address")
                }
                address = a
            } else {
                address = automaticGlobalAddress(devices) ?? .loopback
            }
            plan.items.append(Item(cloud: .global, endpoint: IPv6Endpoint(address: address, port: configuration.port), zone: 0, interface: nil))
        }
        let wanted: Set<String>?
        switch configuration.linkLocal {
        case .none: wanted = []
        case .automatic: wanted = nil
        case .interfaces(let names): wanted = Set(names)
        }
        plan.broadcasts = broadcastAddresses(devices)
        var seenZones = Set<UInt32>()
        for device in devices {
            guard let sa = device.address, let endpoint = IPv6Endpoint(sa), endpoint.address.isLinkLocal, !endpoint.address.isIPv4Mapped else { continue }
            if let wanted { guard wanted.contains(device.name) else { continue } } else {
                guard device.name != "lo", device.multicastSupported else { continue }
            }
            let zone = UInt32(device.interfaceIndex)
            guard seenZones.insert(zone).inserted else { continue }
            plan.items.append(
                Item(cloud: .linkLocal(zone: zone), endpoint: IPv6Endpoint(address: endpoint.address, port: configuration.port), zone: zone, interface: device.name))
            plan.multicastInterfaces.append(device)
        }
        if case .interfaces(let names) = configuration.linkLocal {
            let opened = Set(plan.items.compactMap(\.interface))
            plan.missingInterfaces = names.filter { !opened.contains($0) }.sorted()
        }
        return plan
    }

    /// The IPv4 broadcast addresses of `devices`, without the machine's own addresses: an address configured
    /// without a broadcast address (`ip addr add 10.0.0.2/24 dev eth0`, no `brd`) is reported by getifaddrs as
    /// its own broadcast address, which would keep the node from sending to its own address (to its own relay
    /// endpoints, or another node on the same machine).
    static func broadcastAddresses(_ devices: [NIONetworkDevice]) -> Set<IPv6Address> {
        let own = Set(devices.compactMap { $0.address.flatMap(IPv6Endpoint.init)?.address })
        return Set(devices.compactMap { $0.broadcastAddress.flatMap(IPv6Endpoint.init)?.address }).subtracting(own)
    }

    /// The first global-scope IPv6 address, else the first non-loopback IPv4 address.
    static func automaticGlobalAddress(_ devices: [NIONetworkDevice]) -> IPv6Address? {
        let addresses = devices.compactMap { $0.address.flatMap(IPv6Endpoint.init)?.address }
        if let v6 = addresses.first(where: { !$0.isIPv4Mapped && !$0.isLinkLocal && $0 != .loopback && ($0.high >> 61) == 1 }) { return v6 }
        return addresses.first { $0.isIPv4Mapped && ($0.low >> 24) & 0xFF != 127 }
    }
}
