import Foundation
import Logging
import PNRP
import PNRPNetwork
import PeerCrypto

/// Two embedded PNRP hosts on their own loopback addresses (the User's and the Helper's), forming one
/// global cloud through a seed: the name service each side of an Easy Connect session uses.
struct LoopbackCloud: Sendable {
    let userHost: PNRPHost
    let helperHost: PNRPHost

    /// Ports handed out to clouds of this process (each cloud binds its two addresses on one port).
    private static let nextPort = Locked<UInt16>(46_300)

    static let logger: Logger = {
        var l = Logger(label: "easy-connect-network-test")
        l.logLevel = .warning
        return l
    }()

    static func configuration(address: String, port: UInt16, seeds: [String]) throws -> HostConfiguration {
        var c = HostConfiguration()
        c.address = address
        c.port = port
        c.linkLocal = .none
        c.multicastDiscovery = false
        c.seeds = try seeds.map { try EndpointText($0) }
        c.node.maintenanceInterval = .seconds(1)
        c.node.retransmitInterval = .milliseconds(200)
        return c
    }

    /// Starts both hosts and returns once a name published by the User's host resolves from the Helper's.
    static func start(userAddress: String = "127.0.0.2", helperAddress: String = "127.0.0.3") async throws -> LoopbackCloud {
        // Another test run on the machine (from a second work tree) may hold a port of the range: take the next.
        var attempts = 0
        while true {
            attempts += 1
            let port = nextPort.withLock { p -> UInt16 in
                defer { p += 1 }
                return p
            }
            do {
                return try await start(userAddress: userAddress, helperAddress: helperAddress, port: port)
            } catch let error as HostError {
                guard case .bind = error, attempts < 20 else { throw error }
            }
        }
    }

    private static func start(userAddress: String, helperAddress: String, port: UInt16) async throws -> LoopbackCloud {
        let user = try await PNRPHost.start(try configuration(address: userAddress, port: port, seeds: []), logger: logger)
        let helper: PNRPHost
        do {
            helper = try await PNRPHost.start(try configuration(address: helperAddress, port: port, seeds: ["\(userAddress):\(port)"]), logger: logger)
        } catch {
            await user.shutdown()
            throw error
        }
        let cloud = LoopbackCloud(userHost: user, helperHost: helper)
        // Each host keeps a name of its own published: a node with no registration has no entry in the
        // other's cache, and a two-node cloud would fall apart whenever the User revokes its invitation.
        do {
            for (host, label) in [(user, "user"), (helper, "helper")] {
                _ = try await (host as any PeerNameService).publish(NamePublication(name: try PeerName("0.resident-\(label)-\(port)"), key: Ed25519PrivateKey()))
            }
        } catch {
            await cloud.shutdown()
            throw error
        }
        // Ready when the User's resident name resolves from the Helper's host, and the other way round.
        let ready = await eventually(20) {
            guard (try? await (helper as any PeerNameService).resolve(try PeerName("0.resident-user-\(port)"), within: .seconds(1))) != nil else { return false }
            return (try? await (user as any PeerNameService).resolve(try PeerName("0.resident-helper-\(port)"), within: .seconds(1))) != nil
        }
        guard ready else {
            await cloud.shutdown()
            throw TestFailure("the loopback cloud on \(userAddress)/\(helperAddress):\(port) did not form within 20 s")
        }
        return cloud
    }

    func shutdown() async {
        await helperHost.shutdown()
        await userHost.shutdown()
    }
}

/// Runs `body` with a fresh loopback cloud, shut down afterwards whatever happens.
func withLoopbackCloud<T>(userAddress: String = "127.0.0.2", helperAddress: String = "127.0.0.3", _ body: (LoopbackCloud) async throws -> T) async throws -> T {
    let cloud = try await LoopbackCloud.start(userAddress: userAddress, helperAddress: helperAddress)
    do {
        let result = try await body(cloud)
        await cloud.shutdown()
        return result
    } catch {
        await cloud.shutdown()
        throw error
    }
}
