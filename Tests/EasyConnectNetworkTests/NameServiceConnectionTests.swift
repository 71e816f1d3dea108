import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// `NameServiceConnection`, the way the `easy-connect` command reaches a cloud: a running `pnrp node`
/// through its control socket, or a node embedded in the process.
@Suite("Easy Connect through a pnrp daemon and an embedded node", .serialized, .timeLimit(.minutes(3)))
struct NameServiceConnectionTests {
    static func embedded(address: String, port: UInt16, seeds: [String], joinWait: Duration) throws -> NameServiceSettings {
        var settings = NameServiceSettings()
        settings.useDaemon = false
        settings.embedded = try LoopbackCloud.configuration(address: address, port: port, seeds: seeds)
        settings.joinWait = joinWait
        return settings
    }

    @Test("The User publishes through a running pnrp node, the Helper through an embedded node seeded with it: a session with a file; the daemon drops the invitation when the session starts")
    func daemonAndEmbedded() async throws {
        let scratch = try Scratch("daemon")
        defer { scratch.remove() }
        let port = UInt16(46_500 + Int(getpid() % 200))
        let daemon = try Daemon(scratch: scratch, address: "127.0.0.7", port: port)
        defer { daemon.stop() }
        try await daemon.waitReady()
        // A name of its own, so that a node joining through it finds an entry to cache.
        _ = try await daemon.client.register(RegisterArguments(name: "resident", secured: true, port: 7000))

        var userSettings = NameServiceSettings()
        userSettings.daemonStateDirectory = daemon.directory
        let userNames = try await NameServiceConnection.open(userSettings)
        #expect(!userNames.isEmbedded)
        #expect(userNames.service.serviceDescription.contains(daemon.directory))
        let (helperNames, joinTook) = try await timed {
            try await NameServiceConnection.open(try Self.embedded(address: "127.0.0.8", port: port, seeds: [daemon.endpoint], joinWait: .seconds(60)))
        }
        #expect(helperNames.isEmbedded)
        #expect(joinTook < 30, "the embedded node took \(joinTook) s to find the daemon's cloud")
        print("embedded node joined the daemon's cloud in \(String(format: "%.2f", joinTook)) s")

        let path = try scratch.file("report.txt", pseudoRandomBytes(300_000, seed: 21))
        let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), address: "127.0.0.7"), nameService: userNames.service))
        #expect(await user.wait { if case .nameService(let d) = $0 { d } else { nil } }?.contains("pnrp node at") == true)
        let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
        // The resident name, and the invitation under each epoch its lifetime (widened by the clock skew) touches.
        let epochs = Sessions.cheapRendezvous.epochs(fromUnixSeconds: UInt64(Date().timeIntervalSince1970), to: UInt64(Date().timeIntervalSince1970) + 300).count
        let registrations = try await daemon.client.status().registrations
        #expect(registrations.count == 1 + epochs || registrations.count == 2 + epochs, "\(registrations)")
        let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: helperNames.service))
        _ = try #require(await user.wait(20) { $0.consentID }, "\(user.summary) / \(helper.summary)")
        try await user.session.perform(.accept(nil))
        #expect(await helper.wait { $0.isConnected ? true : nil } == true)
        // The session started: the invitation is revoked from the daemon.
        #expect(await eventually(20) { (try? await daemon.client.status().registrations.count) == 1 })
        let id = try #require(try await user.session.perform(.sendFile(path: path)))
        try await helper.session.perform(.acceptFile(try #require(await helper.wait { $0.fileOfferID })))
        #expect(await helper.wait(20) { (e: EasyConnectEvent) -> UInt64? in if case .fileReceived(id, _, let bytes, _) = e { bytes } else { nil } } == UInt64(300_000))
        await helper.session.end()
        #expect(await user.outcome()?.kind == .ended)
        await helperNames.close()
        await userNames.close()
    }

    @Test("An embedded node with nobody to meet waits its join time, and no more, then serves")
    func embeddedAlone() async throws {
        let port = UInt16(46_700 + Int(getpid() % 200))
        let (names, took) = try await timed { try await NameServiceConnection.open(try Self.embedded(address: "127.0.0.13", port: port, seeds: [], joinWait: .seconds(1))) }
        #expect(names.isEmbedded)
        #expect(took >= 0.9 && took < 10, "\(took) s")
        let published = try await names.service.publish(NamePublication(name: try PeerName("0.lonely"), key: Ed25519PrivateKey(), extendedPayload: [1, 2, 3]))
        #expect(try await names.service.resolve(published.name, within: .seconds(2)).extendedPayload == [1, 2, 3])
        await names.close()
    }
}
