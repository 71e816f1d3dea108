import Logging
import NIOPosix
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

/// Hosts in one process, each on its own loopback socket, through the real UDP stack.
/// A logger that only shows problems, so test output stays readable.
let quietLogger = TestHosts.logger

@Suite("Loopback cloud", .serialized)
struct LoopbackCloudTests {
    static func configuration(address: String, port: UInt16, seeds: [String]) throws -> HostConfiguration {
        try TestHosts.configuration(address: address, port: port, seeds: seeds)
    }

    /// Starts `count` hosts on `address` ports base..., each seeded with the first; waits until every
    /// one is active.
    static func startCloud(count: Int, address: String, basePort: UInt16) async throws -> [PNRPHost] {
        var hosts: [PNRPHost] = []
        let first = address.contains(":") ? "[\(address)]:\(basePort)" : "\(address):\(basePort)"
        for i in 0..<count {
            let c = try configuration(address: address, port: basePort + UInt16(i), seeds: i == 0 ? [] : [first])
            hosts.append(try await PNRPHost.start(c, logger: quietLogger))
        }
        return hosts
    }

    @Test("A secured name registered on one host resolves from every other (IPv4 and IPv6)", arguments: ["127.0.0.1", "::1"])
    func resolveAcrossHosts(address: String) async throws {
        let base: UInt16 = address == "::1" ? 41_600 : 41_500
        let hosts = try await Self.startCloud(count: 6, address: address, basePort: base)
        defer { Task { for h in hosts { await h.shutdown() } } }
        let publisher = hosts[2]
        let name = try publisher.identity.securedName("printer")
        let app = IPv6AppEndpoint(address: .loopback, port: 8080, ipProtocol: 6)
        let registration = try await publisher.register(name, endpoints: [app], comment: "second floor")
        #expect(registration.ids.count == 1)
        var found = 0
        for (i, host) in hosts.enumerated() where i != 2 {
            let ok = await eventually(20) {
                guard let record = try? await host.resolve(name, timeout: .seconds(1)) else { return false }
                #expect(record.endpoints == [app])
                #expect(record.comment == "second floor")
                #expect(record.publicKey == publisher.identity.key.publicKey.bytes)
                return true
            }
            if ok { found += 1 }
        }
        #expect(found == hosts.count - 1)
        for h in hosts { await h.shutdown() }
    }
}
