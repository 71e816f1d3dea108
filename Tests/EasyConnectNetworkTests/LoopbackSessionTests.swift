import EasyConnect
import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// SHA-256 of a file on disk, in hex.
func sha256(ofFile path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return Hex.encode(SHA256.hash(Array(data)))
}

/// A whole session between two embedded PNRP hosts on loopback: invitation, password, consent, chat,
/// files both ways, control and the panic key, pause, disconnect.
@Suite("Easy Connect on loopback sockets", .serialized, .timeLimit(.minutes(3)))
struct LoopbackSessionTests {
    @Test("Password → consent → connected → chat both ways → a file each way (8 MiB one way) → control, panic, pause → disconnect")
    func wholeSession() async throws {
        let scratch = try Scratch("whole")
        defer { scratch.remove() }
        let userDownloads = try scratch.directory("user-downloads")
        let helperDownloads = try scratch.directory("helper-downloads")
        let notes = pseudoRandomBytes(10_000, seed: 1)
        let notesPath = try scratch.file("notes.txt", notes)
        let big = pseudoRandomBytes(8 << 20, seed: 2)
        let bigPath = try scratch.file("big.bin", big)

        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: userDownloads), nameService: cloud.userHost))
            let password = try #require(await user.wait { $0.password })
            #expect(password.count == 14 && password.split(separator: " ").count == 3)
            // The Helper types it in lower case without spaces.
            let typed = try EasyConnectPassword(parsing: password.lowercased().replacingOccurrences(of: " ", with: ""))
            let helper = EventRecorder(try await EasyConnectSession.help(password: typed, options: Sessions.help(downloads: helperDownloads), nameService: cloud.helperHost))

            let consent = try #require(await user.wait { $0.consentID }, "no consent request: \(user.summary) / \(helper.summary)")
            try await user.session.perform(.accept(consent))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true, "helper: \(helper.summary)")
            #expect(await user.wait { $0.isConnected ? true : nil } == true, "user: \(user.summary)")

            try await helper.session.perform(.chat("Hello from Hector — 你好"))
            #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == "Hello from Hector — 你好")
            try await user.session.perform(.chat("Thanks, Hector!"))
            #expect(await helper.wait { if case .chat(let t) = $0 { t } else { nil } } == "Thanks, Hector!")

            // The User's small file to the Helper.
            let notesID = try #require(try await user.session.perform(.sendFile(path: notesPath)))
            let offered = try #require(await helper.wait { $0.fileOfferID })
            #expect(offered == notesID)
            try await helper.session.perform(.acceptFile(offered))
            let received = try #require(await helper.wait(30) { if case .fileReceived(_, let path, _, let sha) = $0 { (path, sha) } else { nil } }, "user: \(user.events) helper: \(helper.events)")
            #expect(received.0 == helperDownloads + "/notes.txt")
            #expect(received.1 == Hex.encode(SHA256.hash(notes)))
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: received.0))) == notes)
            #expect(await user.wait(10) { (e: EasyConnectEvent) -> String? in if case .fileSent(let id, _, _, let sha) = e, id == notesID { sha } else { nil } } == received.1)

            // The Helper's 8 MiB file to the User.
            let bigID = try #require(try await helper.session.perform(.sendFile(path: bigPath)))
            let bigOffer = try #require(await user.wait { $0.fileOfferID })
            #expect(bigOffer == bigID)
            try await user.session.perform(.acceptFile(bigOffer))
            let bigReceived = try #require(await user.wait(60) { if case .fileReceived(_, let path, _, let sha) = $0 { (path, sha) } else { nil } }, "user: \(user.summary)")
            #expect(bigReceived.0 == userDownloads + "/big.bin")
            #expect(bigReceived.1 == Hex.encode(SHA256.hash(big)))
            #expect(try sha256(ofFile: bigReceived.0) == bigReceived.1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: bigReceived.0)) == Data(big))
            #expect(await helper.wait(10) { (e: EasyConnectEvent) -> UInt64? in if case .fileSent(let id, _, let bytes, _) = e, id == bigID { bytes } else { nil } } == UInt64(big.count))
            #expect(scratch.listing("user-downloads") == ["big.bin"], "no partial file is left")
            #expect(scratch.listing("helper-downloads") == ["notes.txt"], "no partial file is left")

            // Control: request, grant, the panic key; pause and resume.
            try await helper.session.perform(.requestControl)
            #expect(await user.wait { $0 == .controlRequested ? true : nil } == true)
            try await user.session.perform(.grantControl)
            #expect(await helper.wait { $0 == .controlGranted ? true : nil } == true)
            try await user.session.perform(.panic)
            #expect(await helper.wait { if case .controlEnded(let r) = $0 { r } else { nil } } == ControlEndReason.panic)
            try await user.session.perform(.pause)
            #expect(await helper.wait { $0 == .paused ? true : nil } == true)
            try await user.session.perform(.resume)
            #expect(await helper.wait { $0 == .resumed ? true : nil } == true)
            // What a Helper may not do is refused locally.
            await #expect(throws: EasyConnectError.self) { try await helper.session.perform(.pause) }
            await #expect(throws: EasyConnectError.self) { try await helper.session.perform(.grantControl) }

            try await helper.session.perform(.disconnect)
            let helperOutcome = try #require(await helper.outcome())
            let userOutcome = try #require(await user.outcome(), "the User's session did not end: \(user.summary)")
            #expect(helperOutcome.kind == .ended)
            #expect(userOutcome.kind == .ended)
            #expect(userOutcome.message.contains("the other side ended the session"), "\(userOutcome.message)")
            #expect(await eventually(20) { user.finished && helper.finished }, "the event streams finish after .disconnected")
            // A program that only reads the events (and never asks for the outcome) leaks no disk thread.
            for (side, session) in [("user", user.session), ("helper", helper.session)] {
                let stopped = await eventually(20) { (try? await session.threadPool.runIfActive { true }) == nil }
                #expect(stopped, "the \(side)'s disk thread outlives its session")
            }

            #expect(
                user.summary == [
                    "nameService", "invitation", "status(waiting for a helper)", "consentRequest(Hector)", "connected(Hector)",
                    "chat(Hello from Hector — 你好)", "fileSent(notes.txt,10000)", "fileOffer(big.bin,big.bin,8388608)", "fileReceived(big.bin,8388608)",
                    "controlRequested", "controlGranted", "controlEnded(panic)", "paused", "resumed", "disconnected(ended)",
                ])
            #expect(
                helper.summary == [
                    "nameService", "status(attempting to connect)", "status(waiting for acceptance)", "connected(Ursula)", "chat(Thanks, Hector!)",
                    "fileOffer(notes.txt,notes.txt,10000)", "fileReceived(notes.txt,10000)", "fileSent(big.bin,8388608)",
                    "controlGranted", "controlEnded(panic)", "paused", "resumed", "disconnected(ended)",
                ])
            // The invitation was revoked once the session started.
            let name = try Rendezvous.derive(from: typed, epoch: Sessions.cheapRendezvous.epoch(atUnixSeconds: UInt64(Date().timeIntervalSince1970)), parameters: Sessions.cheapRendezvous).name
            #expect(await eventually(10) { (try? await (cloud.helperHost as any PeerNameService).resolve(name, within: .seconds(1))) == nil })
            #expect(await user.session.outcome().kind == .ended)
            #expect(await helper.session.outcome().kind == .ended)
        }
    }

    @Test("A listener on ::1: the invitation carries the IPv6 endpoint and the Helper connects over IPv6")
    func ipv6Listener() async throws {
        let scratch = try Scratch("ipv6")
        defer { scratch.remove() }
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u"), address: "::1"), nameService: cloud.userHost))
            let endpoints = try #require(await user.wait { if case .invitation(_, _, let e) = $0 { e } else { nil } })
            #expect(endpoints.count == 1 && endpoints[0].hasPrefix("[::1]:"), "\(endpoints)")
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID }, "\(helper.summary)")
            try await user.session.perform(.accept(nil))
            let (remote, firstByte) = try #require(await helper.wait { if case .connected(_, let r, _, let f) = $0 { (r, f) } else { nil } })
            #expect(remote == endpoints[0])
            // The Helper times its race up to the listener's greeting; the User has no race to time.
            #expect(firstByte.map { $0 > .zero && $0 < .seconds(10) } == true, "\(String(describing: firstByte))")
            #expect(await user.wait { if case .connected(_, let r, _, let f) = $0 { f == nil ? r : nil } else { nil } }?.hasPrefix("[::1]:") == true)
            try await helper.session.perform(.chat("over IPv6"))
            #expect(await user.wait { if case .chat(let t) = $0 { t } else { nil } } == "over IPv6")
            await user.session.end()
            #expect(await helper.outcome()?.kind == .ended)
        }
    }
}
