import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

/// What a higher layer does with any `PeerNameService`: publish, and find what another published.
///
/// `publish` returns when the registration's announcement has reached one other node; the nodes around the new
/// ID learn it over the next few hundred milliseconds (leaf-set FLOODs and the INQUIREs that check them), which
/// `propagate` lets pass. A resolution started at the very instant of the announcement can reach those nodes
/// first and find nothing: over clouds of seeds 300-305, 13 to 15 of 180 such resolutions did, none one virtual
/// second later.
private func roundTrip(
    _ publisher: any PeerNameService, _ resolver: any PeerNameService, _ publication: NamePublication, propagate: () async -> Void
) async throws -> (PublishedName, NameRecord) {
    let published = try await publisher.publish(publication)
    await propagate()
    let record = try await resolver.resolve(publication.name, within: .seconds(30))
    return (published, record)
}

@Suite(.onComputeThread) struct InMemoryNameServiceTests {
    @Test("300 nodes: publications with payloads resolve from other nodes, revocations and lifetimes take them away")
    func threeHundredNodes() async throws {
        let shared = SharedInMemoryCloud(scenario: CloudTests.scenario(nodes: 300, seed: 300, settle: .minutes(2)))
        #expect(await shared.nodeCount == 300)
        #expect(shared.scenarioNames.count == 300)
        #expect(shared.service(forNode: 7).serviceDescription == "in-memory cloud node 7")

        var g = SplitMix64(seed: 31)
        var published: [(PublishedName, NamePublication, Int)] = []
        for i in 0..<30 {
            let node = (i * 37 + 5) % 300
            let key = try Ed25519PrivateKey(seed: RandomWire.bytes(32, &g))
            let authority: Authority = i % 2 == 0 ? .of(publicKey: key.publicKey.bytes) : .unsecured
            let name = try PeerName(authority: authority, classifier: "room-\(i)")
            let payload = RandomWire.bytes([1, 17, 1000, 4096][i % 4], &g)
            let endpoint = IPv6AppEndpoint(address: InMemoryCloud.endpoint(ofNode: node).address, port: UInt16(7000 + i), ipProtocol: 6)
            let publication = NamePublication(name: name, key: key, endpoints: [endpoint], extendedPayload: payload, comment: "room \(i)")
            let resolverNode = (node + 150) % 300
            let (handle, record) = try await roundTrip(shared.service(forNode: node), shared.service(forNode: resolverNode), publication) {
                await shared.advance(by: .seconds(2))
            }
            #expect(handle.ids.count == 1)
            #expect(record.id == handle.ids.first)
            #expect(record.extendedPayload == payload)
            #expect(record.publicKey == key.publicKey.bytes)
            #expect(record.endpoints == [endpoint])
            #expect(record.cloud == "in-memory")
            #expect(record.hops > 0)
            published.append((handle, publication, node))
        }
        // Each from two more nodes.
        for (handle, publication, node) in published {
            for other in [(node + 1) % 300, (node + 299) % 300] {
                let record = try await shared.service(forNode: other).resolve(publication.name, within: .seconds(30))
                #expect(record.id == handle.ids.first)
                #expect(record.extendedPayload == publication.extendedPayload)
            }
        }

        // Revoke a third of them (twice each): they stop resolving; the rest still resolve.
        for (handle, _, node) in published.prefix(10) {
            await shared.service(forNode: node).revoke(handle)
            await shared.service(forNode: node).revoke(handle)
        }
        for (_, publication, node) in published.prefix(10) {
            await #expect(throws: NameServiceError.notFound) { _ = try await shared.service(forNode: (node + 77) % 300).resolve(publication.name, within: .seconds(30)) }
        }
        for (_, publication, node) in published.suffix(5) {
            #expect(try await shared.service(forNode: (node + 77) % 300).resolve(publication.name, within: .seconds(30)).extendedPayload == publication.extendedPayload)
        }

        // A lifetime of one virtual minute.
        let brief = NamePublication(name: try PeerName("0.brief"), key: Ed25519PrivateKey(), extendedPayload: [1, 2, 3], lifetime: .seconds(60))
        _ = try await shared.service(forNode: 11).publish(brief)
        #expect(try await shared.service(forNode: 211).resolve(brief.name, within: .seconds(30)).extendedPayload == [1, 2, 3])
        await shared.advance(by: .seconds(70))
        await #expect(throws: NameServiceError.notFound) { _ = try await shared.service(forNode: 212).resolve(brief.name, within: .seconds(30)) }

        // Refusals and errors, each its own case.
        let key = Ed25519PrivateKey()
        let stranger = try PeerName(authority: .of(publicKey: Ed25519PrivateKey().publicKey.bytes), classifier: "x")
        await #expect(throws: NameServiceError.self) { _ = try await shared.service(forNode: 1).publish(NamePublication(name: stranger, key: key)) }
        let empty = try PeerName("0.empty")
        do throws(NameServiceError) {
            _ = try await shared.service(forNode: 1).publish(NamePublication(name: empty, key: key, extendedPayload: []))
            Issue.record("an empty payload was published")
        } catch {
            guard case .refused(let why) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(why.contains("1 to 4096"))
        }
        await #expect(throws: NameServiceError.noCloud("node 300 does not exist; the cloud has 300 nodes")) {
            _ = try await shared.service(forNode: 300).resolve(brief.name, within: .seconds(1))
        }
        await #expect(throws: NameServiceError.notFound) { _ = try await shared.service(forNode: 2).resolve(try PeerName("0.nobody-publishes-this"), within: .seconds(30)) }
        // A node resolves its own publication at once, payload included.
        let own = try await shared.service(forNode: published[20].2).resolve(published[20].1.name, within: .seconds(1))
        #expect(own.hops == 0 && own.extendedPayload == published[20].1.extendedPayload)
        #expect(await shared.withCloud { $0.nodes.reduce(0) { $0 + $1.statistics.malformed } } == 0)
    }
}
