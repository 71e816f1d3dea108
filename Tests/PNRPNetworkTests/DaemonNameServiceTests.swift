import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `DaemonNameService` and the register options against real `pnrp node` processes on loopback.
@Suite("Daemon name service", .serialized, .timeLimit(.minutes(3)))
struct DaemonNameServiceTests {
    /// A port range of its own (the multi-process suite uses 42,000-44,999).
    static func basePort() -> UInt16 { UInt16(45_100 + Int(getpid() % 100) * 10) }

    /// Three daemons, each publishing one secured name so that their caches have entries, all active.
    static func startCluster(_ cluster: DaemonCluster) async throws -> [DaemonCluster.Node] {
        let base = basePort()
        try cluster.start(index: 0, address: "127.0.0.1", port: base, seeds: [])
        try await cluster.waitReady()
        _ = try await MultiProcessCloudTests.register(cluster.nodes[0])
        for i in 1..<3 { try cluster.start(index: i, address: "127.0.0.1", port: base + UInt16(i), seeds: ["127.0.0.1:\(base)"]) }
        try await cluster.waitReady()
        try await MultiProcessCloudTests.waitActive(cluster, Array(cluster.nodes.dropFirst()))
        for node in cluster.nodes.dropFirst() { _ = try await MultiProcessCloudTests.register(node) }
        return cluster.nodes
    }

    /// True when `service` finds no publisher of `name` (within 15 s).
    static func disappears(_ name: PeerName, from service: DaemonNameService) async -> Bool {
        await eventually(15) {
            do throws(NameServiceError) {
                _ = try await service.resolve(name, within: .seconds(2))
                return false
            } catch {
                return error == .notFound
            }
        }
    }

    @Test("Publish, resolve, lifetime, revoke and close through real daemons; a SIGKILLed `pnrp register --hold` leaves nothing behind")
    func throughRealDaemons() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let nodes = try await Self.startCluster(cluster)
        #expect(try await DaemonNameService.connect(stateDirectory: try StateDirectory(path: cluster.root + "/nobody")) == nil)
        let publisherService = try #require(try await DaemonNameService.connect(stateDirectory: try StateDirectory(path: nodes[1].directory)))
        let resolverService = try #require(try await DaemonNameService.connect(stateDirectory: try StateDirectory(path: nodes[2].directory)))
        #expect(publisherService.serviceDescription == "pnrp node at \(nodes[1].directory)/control.sock")

        // A 4 KB payload under the publication's own key.
        let key = Ed25519PrivateKey()
        let data = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let app = IPv6AppEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 7100, ipProtocol: 6)
        let name = try PeerName("0.daemon-invite")
        let published = try await publisherService.publish(NamePublication(name: name, key: key, endpoints: [app], extendedPayload: data, comment: "via daemon"))
        #expect(published.ids.count == 1)
        var found: NameRecord?
        _ = await eventually(15) {
            found = try? await resolverService.resolve(name, within: .seconds(2))
            return found != nil
        }
        let record = try #require(found, "the published name never resolved")
        #expect(record.extendedPayload == data)
        #expect(record.publicKey == key.publicKey.bytes)
        #expect(record.endpoints == [app])
        #expect(record.cloud == "Global_")
        #expect(record.id == published.ids.first)
        // A secured name needs its own key.
        let stranger = try PeerName(authority: .of(publicKey: Ed25519PrivateKey().publicKey.bytes), classifier: "not-mine")
        await #expect(throws: NameServiceError.self) { _ = try await publisherService.publish(NamePublication(name: stranger, key: key)) }

        // A lifetime: the daemon revokes it by itself.
        let briefStart = ContinuousClock.now
        let brief = try await publisherService.publish(NamePublication(name: try PeerName("0.daemon-brief"), key: key, lifetime: .seconds(2)))
        // Listed while its lifetime runs (a loaded machine may only ask after it has run out).
        let briefListed = try await nodes[1].client.status().registrations.contains("0.daemon-brief")
        #expect(briefListed || ContinuousClock.now - briefStart >= .seconds(2))
        #expect(await eventually(10) { (try? await nodes[1].client.status().registrations.contains("0.daemon-brief")) == false })
        await publisherService.revoke(brief)  // already gone: harmless

        // Revoke, twice.
        await publisherService.revoke(published)
        await publisherService.revoke(published)
        #expect(try await nodes[1].client.status().registrations.contains("0.daemon-invite") == false)
        #expect(await Self.disappears(name, from: resolverService), "the revoked name still resolves")

        // Closing the service (its session) revokes whatever it still publishes.
        _ = try await publisherService.publish(NamePublication(name: try PeerName("0.closing-a"), key: key))
        _ = try await publisherService.publish(NamePublication(name: try PeerName("0.closing-b"), key: Ed25519PrivateKey()))
        #expect(Set(try await nodes[1].client.status().registrations).isSuperset(of: ["0.closing-a", "0.closing-b"]))
        await publisherService.close()
        #expect(await eventually(10) { (try? await nodes[1].client.status().registrations.contains { $0.hasPrefix("0.closing") }) == false })

        // `pnrp register --hold` in its own process: published while it runs, gone when SIGKILL ends it.
        let payloadFile = cluster.root + "/invitation.bin"
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: payloadFile))
        let holder = Process()
        holder.executableURL = cluster.binary
        holder.arguments = ["register", "0.held-by-cli", "--hold", "--ephemeral-key", "--extended-payload-file", payloadFile, "--state-dir", nodes[1].directory]
        let out = cluster.root + "/holder.out"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        holder.standardOutput = FileHandle(forWritingAtPath: out)
        holder.standardError = FileHandle(forWritingAtPath: out)
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        let registered = await eventually(10) { (try? await nodes[1].client.status().registrations.contains("0.held-by-cli")) == true }
        #expect(registered, "pnrp register --hold did not register: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        let held = try PeerName("0.held-by-cli")
        var heldRecord: NameRecord?
        _ = await eventually(15) {
            heldRecord = try? await resolverService.resolve(held, within: .seconds(2))
            return heldRecord != nil
        }
        #expect(heldRecord?.extendedPayload == bytes)
        #expect(heldRecord.map { $0.publicKey != key.publicKey.bytes } == true)
        #expect((try? String(contentsOfFile: out, encoding: .utf8))?.contains("published while this command runs") == true)

        // The CLI shows the payload's size in text and the payload itself in JSON.
        let text = try await runBounded(cluster.binary, ["resolve", "0.held-by-cli", "--timeout", "5", "--state-dir", nodes[2].directory], scratch: cluster.root)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("extended payload: 1000 bytes"), "\(text.stdout)")
        let json = try await runBounded(cluster.binary, ["resolve", "0.held-by-cli", "--json", "--timeout", "5", "--state-dir", nodes[2].directory], scratch: cluster.root)
        let decoded = try JSONDecoder().decode(ResolvedRecord.self, from: Data(json.stdout.utf8))
        #expect(decoded.extendedPayload == Data(bytes).base64EncodedString())

        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(await eventually(10) { (try? await nodes[1].client.status().registrations.contains("0.held-by-cli")) == false })
        #expect(await Self.disappears(held, from: resolverService), "the name of a killed --hold client still resolves")

        // --extended-payload-file refusals: exit 2 with the reason.
        let empty = cluster.root + "/empty.bin", huge = cluster.root + "/huge.bin"
        try Data().write(to: URL(fileURLWithPath: empty))
        try Data(count: 4097).write(to: URL(fileURLWithPath: huge))
        for (file, reason) in [(cluster.root + "/missing.bin", "does not exist"), (empty, "is empty"), (huge, "larger than 4096 bytes"), (cluster.root, "is a directory")] {
            let r = try await runBounded(cluster.binary, ["register", "0.refused", "--extended-payload-file", file, "--state-dir", nodes[1].directory], scratch: cluster.root)
            #expect(r.status == 2, "\(file): \(r.stderr)")
            #expect(r.stderr.contains(reason), "\(r.stderr)")
        }
        #expect(try await nodes[1].client.status().registrations.contains("0.refused") == false)
    }
}
