import Foundation
import NIOCore
import PNRP
import Testing

@testable import PNRPNetwork

#if os(Linux)
    import NetworkLab
#endif

/// What the driver checks before it writes a datagram (`docs/deviations.md`, D3): that the system has a route to
/// the destination (a send without one closes the socket), and that it is no broadcast address — which the
/// machine's own addresses never are.
@Suite("Destination checks: routes and broadcast addresses")
struct DestinationChecksTests {
    static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16 = 3540) -> SocketAddress {
        IPv6Endpoint(address: IPv6Address(ipv4: a, b, c, d), port: port).socketAddress()
    }

    @Test("An interface address reported as its own broadcast address (configured without one) is not a broadcast address")
    func ownAddressIsNoBroadcast() throws {
        let bare = NIONetworkDevice(
            name: "eth0", address: Self.v4(10, 0, 0, 2, port: 0), netmask: Self.v4(255, 255, 255, 0, port: 0),
            broadcastAddress: Self.v4(10, 0, 0, 2, port: 0), pointToPointDestinationAddress: Self.v4(0, 0, 0, 0, port: 0), multicastSupported: true,
            interfaceIndex: 2)
        let usual = NIONetworkDevice(
            name: "eth1", address: Self.v4(10, 1, 0, 2, port: 0), netmask: Self.v4(255, 255, 255, 0, port: 0),
            broadcastAddress: Self.v4(10, 1, 0, 255, port: 0), pointToPointDestinationAddress: Self.v4(0, 0, 0, 0, port: 0), multicastSupported: true,
            interfaceIndex: 3)
        let broadcasts = CloudPlan.broadcastAddresses([bare, usual])
        #expect(broadcasts == [IPv6Address(ipv4: 10, 1, 0, 255)])
        let own = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 2), port: 3540)
        let relayEndpoint = IPv6Endpoint(address: own.address, port: 40_000)
        #expect(HostEngine.canSend(to: relayEndpoint, from: own, cloud: .global, broadcasts: broadcasts))
        #expect(!HostEngine.canSend(to: IPv6Endpoint(address: IPv6Address(ipv4: 10, 1, 0, 255), port: 3540), from: own, cloud: .global, broadcasts: broadcasts))
    }

    @Test("Loopback always has a route; an answer is remembered, not asked again")
    func loopbackRoute() {
        #expect(RouteCheck.hasRoute(to: Self.v4(127, 0, 0, 1)))
        var routes = RouteCheck()
        let now = NodeInstant(nanoseconds: 1_000_000_000_000)
        let address = IPv6Address(ipv4: 127, 0, 0, 1)
        let first = routes.routable(address, Self.v4(127, 0, 0, 1), now: now)
        let again = routes.routable(address, Self.v4(127, 0, 0, 1), now: now + .seconds(1))
        #expect(first && again && routes.lookups == 1)
        let later = routes.routable(address, Self.v4(127, 0, 0, 1), now: now + RouteCheck.lifetime + .seconds(1))
        #expect(later && routes.lookups == 2)
    }

    @Test("A link-local address is asked about once per zone: the route of one interface says nothing of another's")
    func linkLocalRoutePerZone() {
        var routes = RouteCheck()
        let now = NodeInstant(nanoseconds: 1_000_000_000_000)
        let endpoint = IPv6Endpoint(address: IPv6Address(high: 0xFE80_0000_0000_0000, low: 1), port: 3540)
        _ = routes.routable(endpoint.address, endpoint.socketAddress(zone: 1), now: now)
        _ = routes.routable(endpoint.address, endpoint.socketAddress(zone: 1), now: now)
        #expect(routes.lookups == 1)
        _ = routes.routable(endpoint.address, endpoint.socketAddress(zone: 2), now: now)
        #expect(routes.lookups == 2, "the verdict for zone 1 was taken for zone 2")
    }

    #if os(Linux)
        @Test(
            "On a host without a default route there is a route to its own segment and to loopback, none to a private address behind some NAT",
            .enabled(if: NATLab.available, "needs root, ip and nft (a network namespace)")
        )
        func noRouteInNamespace() throws {
            let lab = try NATLab(publicHosts: 2, sites: [], tag: "routes")
            defer { lab.tearDown() }
            let peer = lab.publicHosts[1].address.split(separator: ".").compactMap { UInt8($0) }
            let results = try NetworkNamespaceEntry.perform(in: lab.publicHosts[0].namespace) {
                (
                    RouteCheck.hasRoute(to: Self.v4(peer[0], peer[1], peer[2], peer[3])), RouteCheck.hasRoute(to: Self.v4(192, 168, 1, 2)),
                    RouteCheck.hasRoute(to: Self.v4(127, 0, 0, 1))
                )
            }
            #expect(results.0, "no route to the other public host on the same segment")
            #expect(!results.1, "a route to 192.168.1.2 from a host with no default route")
            #expect(results.2)
        }
    #endif
}

/// The sockets of a node's relay endpoints and dial-back endpoint (`docs/deviations.md`, X3): one that closes
/// under the host is reported and opened again on the same port.
@Suite("Relay endpoint sockets")
struct RelayEndpointSocketTests {
    @Test("A relay endpoint's socket that closes is reported as such and open again on its port within 10 s")
    func reopened() async throws {
        var configuration = try TestHosts.configuration(address: "127.0.0.1", port: 41_730, seeds: [])
        configuration.natTraversal = true
        configuration.relaySlots = 1
        let host = try await PNRPHost.start(configuration, logger: TestHosts.logger)
        let engine = host.engine
        let others = try await host.eventLoop.submit { engine.value.drivers[.global]?.otherSockets ?? [:] }.get()
        #expect(others.count == 2, "a relay endpoint and the dial-back endpoint: \(others.keys)")
        let relayEndpoint = try #require(try await host.eventLoop.submit { engine.value.table.node(.global)?.configuration.relayEndpoints.first }.get())
        let socket = try #require(others[relayEndpoint])
        try await socket.close()
        var warning: String?
        for await event in host.events {
            if case .warning(let text) = event {
                warning = text
                break
            }
        }
        #expect(warning?.contains("127.0.0.1:\(relayEndpoint.port) closed unexpectedly") == true, "\(warning ?? "no warning")")
        let reopened = await eventually(10) {
            let current = try? await host.eventLoop.submit { engine.value.drivers[.global]?.otherSockets[relayEndpoint] }.get()
            return current.map { $0 !== socket && $0.isActive } ?? false
        }
        #expect(reopened, "the relay endpoint's socket was not opened again")
        await host.shutdown()
    }
}
