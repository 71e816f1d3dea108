import Foundation
import NIOCore
import NIOPosix
import PNRP
import PeerCrypto
import Testing

@testable import PNRPNetwork

/// Collects every datagram a raw UDP socket receives.
final class DatagramCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let lock = NSLock()
    private var received: [[UInt8]] = []

    var datagrams: [[UInt8]] { lock.withLock { received } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        lock.withLock { received.append(bytes) }
    }
}

/// Extended payloads and other keys through real hosts on loopback sockets.
@Suite("Extended payloads on loopback hosts", .serialized, .timeLimit(.minutes(2)))
struct ExtendedPayloadHostTests {
    static func payload(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ Int(seed)) } }

    @Test("The embedded host as a PeerNameService: 4 KB payloads under other keys, secured and unsecured, lifetimes and revocation")
    func hostNameService() async throws {
        let hosts = try await LoopbackCloudTests.startCloud(count: 5, address: "127.0.0.1", basePort: 41_740)
        defer { Task { for h in hosts { await h.shutdown() } } }
        let publisher = hosts[1]
        let service: any PeerNameService = publisher
        #expect(service.serviceDescription == "embedded node on 127.0.0.1:41741")

        // An unsecured name under a fresh key, with 4,096 bytes of payload.
        let fresh = Ed25519PrivateKey()
        let invitation = Self.payload(4096, seed: 1)
        let app = IPv6AppEndpoint(address: .loopback, port: 9000, ipProtocol: 6)
        let unsecured = try await service.publish(
            NamePublication(name: try PeerName("0.invitation"), key: fresh, endpoints: [app], extendedPayload: invitation, comment: "join"))
        #expect(unsecured.ids.count == 1)
        // A secured name owned by another key than the host's identity, through `register(key:extendedPayload:)`.
        let owner = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x0A, count: 32))
        let securedName = try PeerName(authority: .of(publicKey: owner.publicKey.bytes), classifier: "owned-elsewhere")
        let secured = try await publisher.register(securedName, key: owner, extendedPayload: Self.payload(100, seed: 2))
        // The identity's key cannot publish it, nor can a publication that names another key.
        await #expect(throws: HostError.self) { _ = try await publisher.register(securedName) }
        await #expect(throws: NameServiceError.refused(NamePublication(name: securedName, key: fresh).problem ?? "")) {
            _ = try await service.publish(NamePublication(name: securedName, key: fresh))
        }
        await #expect(throws: NameServiceError.self) { _ = try await service.publish(NamePublication(name: try PeerName("0.empty"), key: fresh, extendedPayload: [])) }

        for (i, host) in hosts.enumerated() where i != 1 {
            let found = await eventually(10) {
                guard let record = try? await (host as any PeerNameService).resolve(try PeerName("0.invitation"), within: .seconds(2)) else { return false }
                #expect(record.extendedPayload == invitation)
                #expect(record.publicKey == fresh.publicKey.bytes)
                #expect(record.endpoints == [app])
                #expect(record.cloud == "Global_")
                return true
            }
            #expect(found, "host \(i) did not resolve the invitation")
            let record = try await host.resolve(securedName, timeout: .seconds(5))
            #expect(record.extendedPayload == Self.payload(100, seed: 2))
            #expect(record.publicKey == owner.publicKey.bytes)
        }
        // The publisher's guard dropped nothing: every 4 KB answer went out (validated sources, or after a probe).
        #expect(try await publisher.counters().amplificationDropped == 0)

        // A publication with a lifetime goes away by itself.
        let shortLived = try await service.publish(NamePublication(name: try PeerName("0.short-lived"), key: fresh, extendedPayload: [1, 2, 3], lifetime: .seconds(2)))
        #expect(try await hosts[3].resolve(shortLived.name, timeout: .seconds(5)).extendedPayload == [1, 2, 3])
        let expired = await eventually(15) {
            do throws(NameServiceError) {
                _ = try await (hosts[3] as any PeerNameService).resolve(shortLived.name, within: .seconds(2))
                return false
            } catch {
                return error == .notFound
            }
        }
        #expect(expired, "the short-lived name still resolves")

        // Revocation, twice.
        await service.revoke(unsecured)
        await service.revoke(unsecured)
        await secured.cancel()
        let revoked = await eventually(15) {
            do throws(NameServiceError) {
                _ = try await (hosts[4] as any PeerNameService).resolve(unsecured.name, within: .seconds(2))
                return false
            } catch {
                return error == .notFound
            }
        }
        #expect(revoked, "the revoked name still resolves")
        for h in hosts { await h.shutdown() }
    }

    /// [MS-PNRP] has no return-routability check; our guard (docs/deviations.md D1) must keep it from turning
    /// a 76-byte INQUIRE into 4.5 KB aimed at whoever's address was written as its source.
    @Test("A 76-byte INQUIRE from an unvalidated source gets a 56-byte probe, and the 4 KB answer only once the probe is answered")
    func amplificationGuardHoldsLargeAnswers() async throws {
        let configuration = try TestHosts.configuration(address: "127.0.0.1", port: 41_750, seeds: [])
        let host = try await PNRPHost.start(configuration, logger: TestHosts.logger)
        defer { Task { await host.shutdown() } }
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x0B, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "big")
        let data = Self.payload(4096, seed: 3)
        let registration = try await host.register(name, key: key, extendedPayload: data)
        let id = try #require(registration.ids.first?.id)

        let collector = DatagramCollector()
        let socket = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { socket.close(promise: nil) }
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: 41_750)
        func send(_ bytes: [UInt8]) async throws {
            try await socket.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: bytes)))
        }

        let nonce = [UInt8](repeating: 0x5C, count: 16)
        let inquire = try PNRPMessage(messageID: 0xA1B2_C3D4, body: .inquire(Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: id, nonce: nonce))).encoded()
        #expect(inquire.count == 76)
        try await send(inquire)
        #expect(await eventually(20) { !collector.datagrams.isEmpty })
        try await Task.sleep(for: .milliseconds(300))
        // Only the probe: an INQUIRE for PNRP ID 0 without nonce, smaller than what we sent.
        let before = collector.datagrams
        #expect(before.count == 1)
        #expect(before.reduce(0) { $0 + $1.count } <= inquire.count)
        let probe = try PNRPMessage(decoding: try #require(before.first))
        guard case .inquire(let probeInquire) = probe.body else {
            Issue.record("expected a probe, got \(probe.body)")
            return
        }
        #expect(probeInquire.validateID == .zero && probeInquire.nonce == nil)

        // Answer it as any PNRP node would: an AUTHORITY with flag N echoing its Message ID.
        let buffer = try AuthorityBuffer(flags: .notFound).encoded()
        let answer = try PNRPMessage(messageID: 77, body: .authority(try AuthorityFragment.fragments(of: buffer, ackedMessageID: probe.messageID)[0])).encoded()
        try await send(answer)
        #expect(await eventually(20) { collector.datagrams.count >= 5 })
        let fragments = Array(collector.datagrams.dropFirst())
        #expect(fragments.count == 4)
        var reassembler = AuthorityReassembler()
        var whole: [UInt8]?
        for d in fragments {
            let m = try PNRPMessage(decoding: d)
            guard case .authority(let f) = m.body else { continue }
            #expect(f.ackedMessageID == 0xA1B2_C3D4)
            if let done = try reassembler.receive(f, messageID: m.messageID, from: IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 1), port: 41_750), now: 0) {
                whole = done
            }
        }
        let authority = try AuthorityBuffer(decoding: try #require(whole))
        let cpa = try #require(authority.validateCPA)
        let now = FileTime(unixNanoseconds: UInt64(Date().timeIntervalSince1970 * 1e9))
        try cpa.verify(now: now, expectedID: id, expectedNonce: nonce)
        let ep = try ExtendedPayload.verified(try #require(authority.extendedPayload), now: now, expectedID: id, expectedNonce: nonce, publicKey: cpa.publicKey)
        #expect(ep.content == .binary(data))
        let counters = try await host.counters()
        #expect(counters.probesSent >= 1)
        #expect(counters.amplificationDropped == 0)
        await registration.cancel()
        await host.shutdown()
    }

    @Test("Several clouds: the failure reported is the most telling one")
    func failureAcrossClouds() {
        #expect(HostEngine.mostTelling([.resolve(.noNeighbours), .resolve(.notFound)]) == .resolve(.notFound))
        #expect(HostEngine.mostTelling([.resolve(.notFound), .resolve(.timedOut)]) == .resolve(.timedOut))
        #expect(HostEngine.mostTelling([.resolve(.noValidCPA), .resolve(.noNeighbours)]) == .resolve(.noValidCPA))
        #expect(HostEngine.mostTelling([.resolve(.noNeighbours), .resolve(.noNeighbours)]) == .resolve(.noNeighbours))
        #expect(PNRPHost.nameServiceError(.resolve(.noValidCPA)) == .notFound)
        #expect(PNRPHost.nameServiceError(.resolve(.timedOut)) == .timedOut)
        #expect(PNRPHost.nameServiceError(.noCloud) == .noCloud(HostError.noCloud.description))
        guard case .unavailable(let why) = PNRPHost.nameServiceError(.resolve(.noNeighbours)) else {
            Issue.record("noNeighbours is not .unavailable")
            return
        }
        #expect(why.contains("has not joined"))
    }
}
