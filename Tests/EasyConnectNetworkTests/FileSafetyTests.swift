import EasyConnect
import Foundation
import NIOCore
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

@testable import EasyConnectNetwork

/// Starts an invitation, connects a scripted Helper to it and has the User accept: the pieces the file
/// tests share. The scripted Helper is connected when this returns.
func connectScriptedHelper(cloud: LoopbackCloud, userDownloads: String, connection: ConnectionConfiguration = ConnectionConfiguration()) async throws -> (EventRecorder, ScriptedHelper) {
    let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: userDownloads, connection: connection), nameService: cloud.userHost))
    let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
    let invitation = try await findInvitation(password, in: cloud.helperHost)
    let scripted = try ScriptedHelper(password: password, invitation: invitation, identity: Sessions.identity("Scripted"))
    async let connected = onThread { scripted.connect() }
    let consent = try #require(await user.wait { $0.consentID }, "\(user.summary)")
    try await user.session.perform(.accept(consent))
    #expect(await connected, "the scripted Helper did not connect: \(scripted.events)")
    return (user, scripted)
}

/// Files from a hostile or vanishing peer: nothing is written outside the download folder, nothing is
/// overwritten, and nothing half-written stays behind.
@Suite("Easy Connect files from hostile and vanishing peers", .serialized, .timeLimit(.minutes(3)))
struct FileSafetyTests {
    @Test("Offered names `../../etc/x` and `.bashrc`: stored as `x (1)` next to the existing `x` (untouched) and as `_bashrc`, inside the download folder")
    func traversalAndExistingName() async throws {
        let scratch = try Scratch("traversal")
        defer { scratch.remove() }
        let downloads = try scratch.directory("a/b/downloads")
        try scratch.file("a/b/downloads/x", Array("old content".utf8))
        let content = pseudoRandomBytes(300_000, seed: 7)
        try await withLoopbackCloud { cloud in
            let (user, scripted) = try await connectScriptedHelper(cloud: cloud, userDownloads: downloads)
            for (n, offeredName) in ["../../etc/x", ".bashrc"].enumerated() {
                let id = try await onThread { () -> Result<UInt32, SessionCommandError> in
                    let r = Result { () throws(SessionCommandError) -> UInt32 in try scripted.connection.offerFile(name: offeredName, size: UInt64(content.count), now: HostClock.now()) }
                    scripted.flush()
                    return r
                }.get()
                let offer = try #require(await user.wait(nth: n + 1) { if case .fileOffer(let id, let name, let safe, _) = $0 { (id, name, safe) } else { nil } })
                #expect(offer.0 == id && offer.1 == offeredName)
                #expect(offer.2 == (n == 0 ? "x" : "_bashrc"))
                try await user.session.perform(.acceptFile(id))
                let sent = await onThread { () -> Bool in
                    guard scripted.run(seconds: 10, until: { $0.contains(.fileAccepted(id: id)) }) else { return false }
                    var offset = 0
                    while offset < content.count {
                        let chunk = Array(content[offset..<min(offset + 65_536, content.count)])
                        guard (try? scripted.connection.sendFileData(id, chunk, now: HostClock.now())) != nil else { return false }
                        scripted.flush()
                        offset += chunk.count
                    }
                    guard (try? scripted.connection.finishFile(id, now: HostClock.now())) != nil else { return false }
                    return scripted.run(seconds: 10) { $0.contains(.fileDelivered(id: id)) }
                }
                #expect(sent, "\(scripted.events)")
                let path = try #require(await user.wait(10, nth: n + 1) { if case .fileReceived(_, let path, _, _) = $0 { path } else { nil } })
                #expect(path == downloads + (n == 0 ? "/x (1)" : "/_bashrc"))
                #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == content)
            }
            #expect(try String(contentsOfFile: downloads + "/x", encoding: .utf8) == "old content")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/a/etc/x"))
            #expect(scratch.listing() == ["a", "a/b", "a/b/downloads", "a/b/downloads/_bashrc", "a/b/downloads/x", "a/b/downloads/x (1)"])
            await user.session.end()
            #expect(await user.outcome()?.kind == .ended)
            scripted.raw.finish()
        }
    }

    @Test("The sender vanishes (a TCP reset) half-way through a file: the User reports the file failed and the connection lost, and no partial file remains")
    func senderResetMidFile() async throws {
        let scratch = try Scratch("reset")
        defer { scratch.remove() }
        let downloads = try scratch.directory("downloads")
        let content = pseudoRandomBytes(1 << 20, seed: 8)
        try await withLoopbackCloud { cloud in
            // The User would otherwise only notice the silence, after 2 minutes here.
            var patient = ConnectionConfiguration()
            patient.silenceLimit = .seconds(120)
            let (user, scripted) = try await connectScriptedHelper(cloud: cloud, userDownloads: downloads, connection: patient)
            let total: UInt64 = 4 << 20
            let id = try await onThread { () -> Result<UInt32, SessionCommandError> in
                let r = Result { () throws(SessionCommandError) -> UInt32 in try scripted.connection.offerFile(name: "half.bin", size: total, now: HostClock.now()) }
                scripted.flush()
                return r
            }.get()
            _ = try #require(await user.wait { $0.fileOfferID })
            try await user.session.perform(.acceptFile(id))
            // A quarter of the file, then nothing.
            let sent = await onThread { () -> Bool in
                guard scripted.run(seconds: 10, until: { $0.contains(.fileAccepted(id: id)) }) else { return false }
                for offset in stride(from: 0, to: content.count, by: 65_536) {
                    guard (try? scripted.connection.sendFileData(id, Array(content[offset..<offset + 65_536]), now: HostClock.now())) != nil else { return false }
                    scripted.flush()
                }
                return true
            }
            #expect(sent)
            #expect(await user.wait { if case .fileProgress(id, .incoming, let bytes, _) = $0, bytes > 0 { bytes } else { nil } } != nil)
            #expect(await eventually(20) { scratch.listing("downloads").contains { $0.hasSuffix(".partial") } }, "the partial file exists while the file arrives")
            let (outcome, took) = try await timed {
                scripted.raw.reset()
                return try #require(await user.outcome(30))
            }
            #expect(outcome.kind == .connectionLost, "\(outcome)")
            #expect(took < 30, "\(took) s")
            print("reset mid-file: the User reported the lost connection after \(String(format: "%.3f", took)) s")
            #expect(user.summary.suffix(2) == ["fileFailed(incoming)", "disconnected(connection-lost)"])
            #expect(await eventually(20) { scratch.listing("downloads").isEmpty }, "left behind: \(scratch.listing("downloads"))")
        }
    }

    @Test("The User's session loses its TCP connection while an 8 MiB file is flowing to the Helper: both report the file failed and the connection lost; no partial file remains")
    func senderConnectionClosedMidFile() async throws {
        let scratch = try Scratch("killed")
        defer { scratch.remove() }
        let helperDownloads = try scratch.directory("helper-downloads")
        let path = try scratch.file("big.bin", pseudoRandomBytes(8 << 20, seed: 9))
        try await withLoopbackCloud { cloud in
            // Neither side may learn of the end from its silence timer (2 minutes here).
            var patient = ConnectionConfiguration()
            patient.silenceLimit = .seconds(120)
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("user-downloads"), connection: patient), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: helperDownloads, connection: patient), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.accept(nil))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true)

            let id = try #require(try await user.session.perform(.sendFile(path: path)))
            _ = try #require(await helper.wait { $0.fileOfferID })
            // The Helper stops reading its socket, so that the file is still flowing when the User's side dies.
            try await setReading(helper.session, false)
            try await helper.session.perform(.acceptFile(id))
            #expect(await user.wait { if case .fileProgress(id, .outgoing, let bytes, _) = $0, bytes > 0 { bytes } else { nil } } != nil)
            #expect(await eventually(20) { scratch.listing("helper-downloads").contains { $0.hasSuffix(".partial") } })
            try await Task.sleep(for: .milliseconds(200))
            // The User's side dies: its connection is closed under the engine, as when the process is killed.
            try await closeConnections(user.session)
            let userOutcome = try #require(await user.outcome(30))
            #expect(userOutcome.kind == .connectionLost, "\(userOutcome)")
            #expect(user.summary.suffix(2) == ["fileFailed(outgoing)", "disconnected(connection-lost)"], "\(user.summary)")
            try await setReading(helper.session, true)
            let (helperOutcome, took) = await timed { await helper.outcome(30) }
            #expect(helperOutcome?.kind == .connectionLost, "\(String(describing: helperOutcome)) \(helper.summary)")
            #expect(took < 30, "\(took) s")
            #expect(helper.summary.suffix(2) == ["fileFailed(incoming)", "disconnected(connection-lost)"], "\(helper.summary)")
            #expect(!helper.events.contains { if case .fileReceived = $0 { true } else { false } })
            #expect(await eventually(20) { scratch.listing("helper-downloads").isEmpty }, "left behind: \(scratch.listing("helper-downloads"))")
        }
    }
}

/// Turns reading of a session's TCP connections off or on (what a slow receiver does to the sender).
func setReading(_ session: EasyConnectSession, _ on: Bool) async throws {
    let engine = session.engine
    try await session.loop.flatSubmit { () -> EventLoopFuture<Void> in
        let channels = engine.value.channels.values
        let futures = channels.map { channel in
            channel.setOption(ChannelOptions.autoRead, value: on).map { if on { channel.read() } }
        }
        return EventLoopFuture.andAllSucceed(futures, on: session.loop)
    }.get()
}

/// Closes a session's TCP connections under its engine, without telling it first.
func closeConnections(_ session: EasyConnectSession) async throws {
    let engine = session.engine
    try await session.loop.submit {
        for channel in engine.value.channels.values { channel.close(promise: nil) }
    }.get()
}

/// Ending a session whose peer has stopped reading.
@Suite("Easy Connect closing against a peer that stops reading", .serialized, .timeLimit(.minutes(2)))
struct StalledPeerTests {
    @Test("The User ends the session while a 16 MiB file is stuck behind a Helper that stopped reading: the session ends at once and its socket is closed within seconds, not held open for the peer")
    func endWhilePeerStopsReading() async throws {
        let scratch = try Scratch("stalled")
        defer { scratch.remove() }
        let path = try scratch.file("big.bin", pseudoRandomBytes(16 << 20, seed: 31))
        try await withLoopbackCloud { cloud in
            let (user, scripted) = try await connectScriptedHelper(cloud: cloud, userDownloads: try scratch.directory("u"))
            let id = try #require(try await user.session.perform(.sendFile(path: path)))
            let accepted = await onThread { () -> Bool in
                guard scripted.run(seconds: 10, until: { $0.contains { if case .fileOffered = $0 { true } else { false } } }) else { return false }
                guard (try? scripted.connection.acceptFile(id, now: HostClock.now())) != nil else { return false }
                scripted.flush()
                return true
            }
            #expect(accepted)
            // The scripted Helper reads nothing more: the User's writes pile up.
            #expect(await user.wait { if case .fileProgress(id, .outgoing, let bytes, _) = $0, bytes > 0 { bytes } else { nil } } != nil)
            try await Task.sleep(for: .milliseconds(300))
            let engine = user.session.engine
            let openBefore = try await user.session.loop.submit { engine.value.channels.count }.get()
            #expect(openBefore == 1)
            await user.session.end()
            #expect(await user.outcome(2)?.kind == .ended)
            let closed = await eventually(15) { (try? await user.session.loop.submit { engine.value.channels.isEmpty }.get()) == true }
            #expect(closed, "the User's socket is still open, waiting for a peer that does not read")
            scripted.raw.reset()
        }
    }
}

/// The receiver falls behind the network: its event loop, which also writes the received file, stalls.
@Suite("Easy Connect back-pressure from a slow receiver", .serialized, .timeLimit(.minutes(2)))
struct SlowReceiverTests {
    @Test("The Helper's event loop stalls for 2 s during a 48 MiB file (as a slow disk would stall its writes): the User stops sending with a bounded backlog, resumes, and the file arrives whole")
    func slowReceiver() async throws {
        let scratch = try Scratch("slow-receiver")
        defer { scratch.remove() }
        let content = pseudoRandomBytes(48 << 20, seed: 41)
        let path = try scratch.file("large.bin", content)
        try await withLoopbackCloud { cloud in
            let user = EventRecorder(try await EasyConnectSession.invite(options: Sessions.invite(downloads: try scratch.directory("u")), nameService: cloud.userHost))
            let password = try EasyConnectPassword(parsing: try #require(await user.wait { $0.password }))
            let helper = EventRecorder(try await EasyConnectSession.help(password: password, options: Sessions.help(downloads: try scratch.directory("h")), nameService: cloud.helperHost))
            _ = try #require(await user.wait { $0.consentID })
            try await user.session.perform(.accept(nil))
            #expect(await helper.wait { $0.isConnected ? true : nil } == true)

            let id = try #require(try await user.session.perform(.sendFile(path: path)))
            let offer = try #require(await helper.wait { $0.fileOfferID })
            // The Helper's loop accepts the file and then sleeps, reading and writing nothing for 2 s.
            try await helper.session.loop.submit {
                _ = try? helper.session.engine.value.perform(.acceptFile(offer))
                usleep(2_000_000)
            }.get()
            let engine = user.session.engine
            let backlog = try await user.session.loop.submit { engine.value.unsentBytes }.get()
            #expect(backlog <= SessionEngine.sendBacklogLimit + 2 * 256 * 1024, "the User queued \(backlog) bytes for a receiver that did not read")
            let received = await helper.wait(60) { (e: EasyConnectEvent) -> (String, String)? in if case .fileReceived(id, let p, _, let sha) = e { (p, sha) } else { nil } }
            let (storedPath, sha) = try #require(received, "\(helper.summary)")
            #expect(sha == Hex.encode(SHA256.hash(content)))
            #expect(try sha256(ofFile: storedPath) == sha)
            #expect(scratch.listing("h") == ["large.bin"])
            await user.session.end()
            #expect(await helper.outcome()?.kind == .ended)
        }
    }
}
