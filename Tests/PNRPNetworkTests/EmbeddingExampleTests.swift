import Foundation
import PNRP
import PNRPNetwork
import Testing

/// The DocC article's example, compiled and run; a second test checks the article shows exactly this code.
@Suite("Embedding example", .serialized)
struct EmbeddingExampleTests {
    @Test("The article's example runs and finds the name")
    func example() async throws {
        // BEGIN EXAMPLE
        // A host on 127.0.0.1:41900 that other nodes will use as their seed.
        var seedSettings = HostConfiguration()
        seedSettings.address = "127.0.0.1"
        seedSettings.port = 41_900
        seedSettings.linkLocal = .none
        let seedHost = try await PNRPHost.start(seedSettings)

        // The application's own host, joining through the seed.
        var settings = HostConfiguration()
        settings.address = "127.0.0.1"
        settings.port = 41_901
        settings.linkLocal = .none
        settings.seeds = [try EndpointText("127.0.0.1:41900")]
        let host = try await PNRPHost.start(settings)

        // Publish "<authority>.chat" with the TCP endpoint of the chat service.
        let name = try host.identity.securedName("chat")
        let service = IPv6AppEndpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 7000, ipProtocol: 6)
        let registration = try await host.register(name, endpoints: [service], comment: "team chat")

        // Anyone in the cloud can now find it; the record's signature has been checked.
        var record: PeerRecord?
        for _ in 0..<100 where record == nil {
            record = try? await seedHost.resolve(name, timeout: .seconds(1))
            if record == nil { try await Task.sleep(for: .milliseconds(100)) }  // still joining
        }
        print(record?.endpoints ?? [], record?.comment ?? "", "found in \(record?.hops ?? 0) hops")

        // Revoke the name, then stop both hosts.
        await registration.cancel()
        await host.shutdown()
        await seedHost.shutdown()
        // END EXAMPLE
        #expect(record?.endpoints == [service])
        #expect(record?.comment == "team chat")
        #expect(record?.publicKey == host.identity.key.publicKey.bytes)
    }

    @Test("The article shows the tested code")
    func articleMatchesTest() throws {
        let here = URL(fileURLWithPath: #filePath)
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent("Sources/PNRPNetwork/PNRPNetwork.docc/EmbeddingPNRP.md"), encoding: .utf8)
        let test = try String(contentsOf: here, encoding: .utf8)
        let block = try #require(article.components(separatedBy: "```swift\n").dropFirst().first?.components(separatedBy: "```").first)
        let begin = try #require(test.range(of: "// BEGIN EXAMPLE\n"))
        let end = try #require(test.range(of: "        // END EXAMPLE"))
        let body = test[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n")
        #expect(body == block)
    }
}
