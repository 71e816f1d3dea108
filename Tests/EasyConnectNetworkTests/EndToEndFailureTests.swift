import EasyConnectNetwork
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the `easy-connect` command fails, as a script sees it: the JSON events and the exit statuses of real
/// `invite` and `help` processes over `pnrp node` daemons on loopback (with two, the User publishes through the
/// seed and Helpers look up through the other). Each test has daemons and addresses of its own: they run in
/// parallel.
@Suite("easy-connect end to end: failures", .timeLimit(.minutes(3)))
struct EndToEndFailureTests {
    /// The last line of a process that ended: `disconnected`, with its reason and exit status.
    func ending(_ process: JSONLineProcess) throws -> JSONLineProcess.Line {
        let last = try #require(process.output.last, "\(process.name) printed nothing\n\(process.report())")
        #expect(last.event == "disconnected", "\(process.report())")
        return last
    }

    /// A started session: the User accepted the Helper, both printed `connected`.
    func connectedPair(_ lab: EasyConnectLab) async throws -> (user: JSONLineProcess, helper: JSONLineProcess) {
        let user = try lab.invite()
        let helper = try lab.help(try await user.password())
        try await user.waitFor("consent-request")
        user.send("accept")
        try await user.waitFor("connected")
        try await helper.waitFor("connected")
        return (user, helper)
    }

    @Test("Wrong passwords: the Helpers exit 6, 6, 7 while the User counts 2, 1, 0 and exits 7; a wrong leading part exits 3 and costs no attempt")
    func wrongPasswords() async throws {
        let lab = try EasyConnectLab("e2e-wrong")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let user = try lab.invite()
        let password = try await user.password()

        var cursor = 0
        for (attempt, (status, reason, remaining)) in [(Int32(6), "wrong-password", Int64(2)), (6, "wrong-password", 1), (7, "withdrawn", 0)].enumerated() {
            let helper = try lab.help(PasswordText.wrongRest(password, shift: attempt + 1), role: "helper-\(attempt)")
            #expect(try await helper.waitForExit() == status, "\(helper.report())")
            let last = try ending(helper)
            #expect(last.string("reason") == reason && last.integer("exitStatus") == Int64(status))
            let (failed, index) = try await user.waitFor("attempt-failed", from: cursor, seconds: 10)
            #expect(failed.integer("remaining") == remaining)
            cursor = index + 1
            if attempt == 2 {
                #expect(last.string("message")?.contains("withdrawn") == true, "\(last.text)")
            } else {
                #expect(last.string("message") == "the password does not match this invitation")
                // The leading part mistyped: nothing is found, and the User loses no attempt over it.
                let lead = try lab.help(PasswordText.wrongLead(password), role: "helper-lead-\(attempt)")
                #expect(try await lead.waitForExit() == 3, "\(lead.report())")
                let notFound = try ending(lead)
                #expect(notFound.string("reason") == "not-found")
                #expect(notFound.string("message")?.contains("check the first characters") == true, "\(notFound.text)")
                #expect(user.isRunning)
            }
        }
        #expect(try await user.waitForExit(seconds: 15) == 7, "\(user.report())")
        let last = try ending(user)
        #expect(last.string("reason") == "withdrawn" && last.integer("exitStatus") == 7)
        #expect(EventSequence.mismatch(user.events, ["name-service", "invitation", "status", "attempt-failed", "attempt-failed", "attempt-failed", "disconnected"]) == nil,
                "\(user.events)")
        // Withdrawn means gone from the cloud: the right password now finds nothing.
        #expect(try await lab.registrations(lab.nodes[lab.userNode], become: 1), "only the seed's own name is left")
        let late = try lab.help(password, role: "helper-late")
        #expect(try await late.waitForExit() == 3, "\(late.report())")
    }

    @Test("Expiry: an invitation unused for its 5 s lifetime ends with exit 4 and a later Helper exits 3; a Helper still awaiting consent when it expires exits 10")
    func expired() async throws {
        let lab = try EasyConnectLab("e2e-expired")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        // Two Users at once (one invitation per data directory): one left alone, one with a Helper nobody answers.
        let startedAt = Date().timeIntervalSince1970
        // 5 s: publishing takes 0.3 s alone, but more than 2 s was seen with the whole suite running at once.
        let unused = try lab.invite(role: "user-1", ["--lifetime", "5"])
        let pending = try lab.invite(role: "user-2", ["--lifetime", "15"])
        let (invitation, _) = try await unused.waitFor("invitation")
        let password = try #require(invitation.string("password"))
        let expires = try #require(invitation.number("expires"))
        #expect(Double(expires) >= startedAt + 5, "the invitation waits at least the 5 s asked for (expires \(expires), started \(startedAt))")
        #expect(expires <= UInt64(Date().timeIntervalSince1970) + 6)
        let asking = try lab.help(try await pending.password(), role: "helper-1")
        try await asking.waitFor("status") { $0.string("status") == "waiting for acceptance" }
        try await pending.waitFor("consent-request")

        #expect(try await unused.waitForExit(seconds: 15) == 4, "\(unused.report())")
        let last = try ending(unused)
        #expect(last.string("reason") == "timed-out" && last.integer("exitStatus") == 4)
        #expect(last.string("message") == "the invitation expired before a helper connected")
        let late = try lab.help(password, role: "helper-2")
        let status = try await late.waitForExit()
        #expect(status == 3, "\(late.report())")
        #expect(try ending(late).string("reason") == "not-found")

        // Expiry while the question is asked: the question is withdrawn, the User exits 4, the Helper 10.
        #expect(try await pending.waitForExit(seconds: 20) == 4, "\(pending.report())")
        #expect(EventSequence.mismatch(pending.events, ["name-service", "invitation", "status", "consent-request", "consent-cancelled", "disconnected"]) == nil,
                "\(pending.events)")
        #expect(try await asking.waitForExit() == 10, "\(asking.report())")
        let expiredAnswer = try ending(asking)
        #expect(expiredAnswer.string("reason") == "expired" && expiredAnswer.integer("exitStatus") == 10)
        #expect(expiredAnswer.string("message")?.contains("expired") == true, "\(expiredAnswer.text)")
    }

    @Test("Consent: unanswered, the Helper exits 4 (\"isn't responding\") and the User keeps waiting; declined, the Helper exits 8")
    func consent() async throws {
        let lab = try EasyConnectLab("e2e-consent")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        // Long enough for the decline below to arrive in time on a loaded machine, short enough to wait out once.
        let user = try lab.invite(["--consent-timeout", "6"])
        let password = try await user.password()

        let ignored = try lab.help(password, role: "helper-1")
        let (first, _) = try await user.waitFor("consent-request")
        try await ignored.waitFor("status") { $0.string("status") == "waiting for acceptance" }
        #expect(try await ignored.waitForExit(seconds: 20) == 4, "\(ignored.report())")
        let timedOut = try ending(ignored)
        #expect(timedOut.string("reason") == "timed-out" && timedOut.integer("exitStatus") == 4)
        #expect(timedOut.string("message")?.contains("isn't responding") == true, "\(timedOut.text)")
        let (cancelled, cancelledAt) = try await user.waitFor("consent-cancelled", seconds: 10)
        #expect(cancelled.number("connection") == first.number("connection"))

        // The User still waits: the next Helper is asked about, and declined.
        try await Task.sleep(for: .milliseconds(300))
        #expect(user.isRunning)
        let declined = try lab.help(password, role: "helper-2")
        let (second, _) = try await user.waitFor("consent-request", from: cancelledAt)
        #expect(second.number("connection") != first.number("connection"))
        user.send("decline")
        #expect(try await declined.waitForExit() == 8, "\(declined.report())")
        let refused = try ending(declined)
        #expect(refused.string("reason") == "refused")
        #expect(refused.string("message")?.contains("declined") == true, "\(refused.text)")

        // Still waiting after that too; SIGTERM ends it normally.
        try await Task.sleep(for: .milliseconds(300))
        #expect(user.isRunning)
        user.signal(SIGTERM)
        #expect(try await user.waitForExit() == 0, "\(user.report())")
        #expect(EventSequence.mismatch(user.events, ["name-service", "invitation", "status", "consent-request", "consent-cancelled", "consent-request", "disconnected"]) == nil,
                "\(user.events)")
    }

    @Test("A second Helper while the first waits for consent is refused (exit 8) when the first is accepted; a third, during the session, finds nothing (exit 3)")
    func secondHelper() async throws {
        let lab = try EasyConnectLab("e2e-second")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let user = try lab.invite()
        let password = try await user.password()
        let first = try lab.help(password, role: "helper-1", name: "First")
        let (request, requestAt) = try await user.waitFor("consent-request")
        #expect(request.string("helper") == "First")

        let second = try lab.help(password, role: "helper-2", name: "Second")
        try await second.waitFor("status") { $0.string("status") == "waiting for acceptance" }
        // One question at a time: the User is not asked about the second Helper while the first is pending.
        #expect(!user.output[(requestAt + 1)...].contains { $0.event == "consent-request" })
        user.send("accept", ["connection": .unsigned(try #require(request.number("connection")))])
        try await user.waitFor("connected")
        try await first.waitFor("connected")
        #expect(try await second.waitForExit() == 8, "\(second.report())")
        let refused = try ending(second)
        #expect(refused.string("reason") == "refused")
        #expect(refused.string("message") == "the person you are trying to help has accepted another helper")

        let third = try lab.help(password, role: "helper-3", name: "Third")
        #expect(try await third.waitForExit() == 3, "\(third.report())")
        let notFound = try ending(third)
        #expect(notFound.string("reason") == "not-found")
        #expect(notFound.string("message")?.contains("already accepted") == true, "\(notFound.text)")

        // The session is untouched by either.
        first.send("chat", ["text": .string("still here")])
        let (chat, _) = try await user.waitFor("chat")
        #expect(chat.string("from") == "First")
        user.send("disconnect")
        #expect(try await user.waitForExit() == 0, "\(user.report())")
        #expect(try await first.waitForExit() == 0, "\(first.report())")
        #expect(user.events.filter { $0 == "consent-request" }.count == 1)
    }

    @Test("Two Helpers at the same moment, one with a wrong password: that one exits 6, the other connects")
    func racingHelpers() async throws {
        let lab = try EasyConnectLab("e2e-race")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let user = try lab.invite()
        let password = try await user.password()
        let wrong = try lab.help(PasswordText.wrongRest(password), role: "helper-wrong", name: "Mallory")
        let right = try lab.help(password, role: "helper-right", name: "Hector")

        #expect(try await wrong.waitForExit() == 6, "\(wrong.report())")
        #expect(try ending(wrong).string("reason") == "wrong-password")
        let (request, _) = try await user.waitFor("consent-request")
        #expect(request.string("helper") == "Hector")
        user.send("accept")
        let (connected, _) = try await right.waitFor("connected")
        #expect(connected.string("peer") == "Ursula")
        let (failed, _) = try await user.waitFor("attempt-failed")
        #expect(failed.integer("remaining") == 2)
        // A script may close the User's stdin: the session goes on until the other side ends it.
        user.closeInput()
        try await Task.sleep(for: .milliseconds(300))
        #expect(user.isRunning)
        right.send("chat", ["text": .string("after your end of input")])
        try await user.waitFor("chat")
        right.send("disconnect")
        #expect(try await right.waitForExit() == 0, "\(right.report())")
        #expect(try await user.waitForExit() == 0, "\(user.report())")
        #expect(!user.output.contains { $0.event == "consent-request" && $0.string("helper") == "Mallory" })
    }

    @Test("Received file names: a path-traversal name lands inside the download folder; a name already there gets a new one and the old file is untouched")
    func fileNames() async throws {
        let lab = try EasyConnectLab("e2e-names")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let outbox = try lab.scratch.directory("helper-outbox")
        // Linux file names may hold backslashes: this one reads as a Windows path out of the download folder.
        let traversal = outbox + "/..\\..\\..\\outside.txt"
        let traversalDigest = try TestFiles.random(traversal, bytes: 4_096)
        let hidden = outbox + "/.bashrc"
        try TestFiles.random(hidden, bytes: 100)
        let clash = outbox + "/notes.txt"
        let clashDigest = try TestFiles.random(clash, bytes: 2_048)
        let downloads = try lab.scratch.directory("user-downloads")
        let original = Data("the User's own notes, not to be touched\n".utf8)
        try original.write(to: URL(fileURLWithPath: downloads + "/notes.txt"))
        // Where the name would lead if it were followed: from the download folder up one, two and three levels.
        var outside: [String] = []
        var up = downloads
        for _ in 0..<3 {
            up = (up as NSString).deletingLastPathComponent
            outside.append(up + "/outside.txt")
        }
        let existedBefore = outside.map { FileManager.default.fileExists(atPath: $0) }

        let (user, helper) = try await connectedPair(lab)
        var stored: [String: String] = [:]
        for (path, expectedName, expectedSafe) in [
            (traversal, "..\\..\\..\\outside.txt", "outside.txt"), (hidden, ".bashrc", "_bashrc"), (clash, "notes.txt", "notes.txt"),
        ] {
            let from = user.output.count
            helper.send("send-file", ["path": .string(path)])
            let (offer, _) = try await user.waitFor("file-offer", from: from)
            #expect(offer.string("name") == expectedName)
            #expect(offer.string("safeName") == expectedSafe)
            user.send("accept-file", ["id": .unsigned(try #require(offer.number("id")))])
            let (received, _) = try await user.waitFor("file-received", from: from)
            stored[expectedName] = received.string("path")
        }
        #expect(stored["..\\..\\..\\outside.txt"] == downloads + "/outside.txt")
        #expect(stored[".bashrc"] == downloads + "/_bashrc")
        #expect(stored["notes.txt"] == downloads + "/notes (1).txt")
        #expect(try TestFiles.sha256(downloads + "/outside.txt") == traversalDigest)
        #expect(try TestFiles.sha256(downloads + "/notes (1).txt") == clashDigest)
        #expect(try Data(contentsOf: URL(fileURLWithPath: downloads + "/notes.txt")) == original)
        #expect(TestFiles.listing(downloads) == ["_bashrc", "notes (1).txt", "notes.txt", "outside.txt"])
        // Nothing was created where the name pointed.
        #expect(outside.map { FileManager.default.fileExists(atPath: $0) } == existedBefore, "\(outside)")
        #expect(lab.scratch.listing().filter { $0.hasSuffix("outside.txt") } == ["helper-outbox/..\\..\\..\\outside.txt", "user-downloads/outside.txt"])

        user.send("disconnect")
        #expect(try await user.waitForExit() == 0)
        #expect(try await helper.waitForExit() == 0)
    }

    @Test("The Helper killed (SIGKILL) in the middle of a 100 MB file: the User reports file-failed and connection-lost within 10 s, exits 9 and keeps no partial file")
    func helperKilledMidTransfer() async throws {
        let lab = try EasyConnectLab("e2e-kill")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let big = lab.scratch.path + "/big.bin"
        try TestFiles.random(big, bytes: 100_000_000)
        let (user, helper) = try await connectedPair(lab)

        helper.send("send-file", ["path": .string(big)])
        let (offer, offerAt) = try await user.waitFor("file-offer")
        let id = try #require(offer.number("id"))
        // As soon as the first bytes arrive, the Helper is frozen (from the thread reading the User's output),
        // so that the file cannot finish before it is killed.
        user.signal(helper, SIGSTOP, when: "file-progress") { $0.number("bytes") ?? 0 < 100_000_000 }
        user.send("accept-file", ["id": .unsigned(id)])
        let (progress, _) = try await user.waitFor("file-progress", from: offerAt)
        try await Task.sleep(for: .milliseconds(200))
        #expect(!user.events.contains("file-received"), "the file finished before the Helper could be stopped; \(user.report())")
        let partials = TestFiles.listing(lab.downloadDirectory("user"))
        #expect(partials.count == 1 && partials[0].hasPrefix(".big.bin.") && partials[0].hasSuffix(".partial"), "\(partials)")
        helper.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        #expect(try await helper.waitForExit() == SIGKILL)

        let (failed, _) = try await user.waitFor("file-failed", seconds: 10)
        #expect(failed.number("id") == id && failed.string("direction") == "incoming")
        let (lost, _) = try await user.waitFor("disconnected", seconds: 10)
        #expect(lost.string("reason") == "connection-lost" && lost.integer("exitStatus") == 9)
        #expect(lost.at - killedAt < .seconds(10))
        #expect(try await user.waitForExit() == 9, "\(user.report())")
        #expect(TestFiles.listing(lab.downloadDirectory("user")).isEmpty, "no partial file is left")
        print("killed after \(progress.number("bytes") ?? 0) bytes had arrived; the User said so \(lost.at - killedAt) later")
    }

    @Test("SIGTERM to the Helper while it receives a 100 MB file: it says goodbye and removes its partial file; both sides exit 0")
    func helperTerminatedMidTransfer() async throws {
        let lab = try EasyConnectLab("e2e-term-transfer")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let big = lab.scratch.path + "/big.bin"
        try TestFiles.random(big, bytes: 100_000_000)
        let (user, helper) = try await connectedPair(lab)

        user.send("send-file", ["path": .string(big)])
        let (offer, offerAt) = try await helper.waitFor("file-offer")
        // The sender frozen as soon as the first bytes arrive, so that the file cannot finish; then the receiver
        // is asked to stop.
        helper.signal(user, SIGSTOP, when: "file-progress") { $0.number("bytes") ?? 0 < 100_000_000 }
        helper.send("accept-file", ["id": .unsigned(try #require(offer.number("id")))])
        try await helper.waitFor("file-progress", from: offerAt)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!helper.events.contains("file-received"))
        #expect(TestFiles.listing(lab.downloadDirectory("helper")).contains { $0.hasSuffix(".partial") })
        helper.signal(SIGTERM)
        let helperStatus = try await helper.waitForExit(seconds: 20)
        user.signal(SIGCONT)
        #expect(helperStatus == 0, "\(helper.report())")
        #expect(helper.stderr.contains("SIGTERM"))
        #expect(try ending(helper).string("reason") == "ended")
        #expect(helper.events.contains("file-failed"))
        #expect(TestFiles.listing(lab.downloadDirectory("helper")).isEmpty, "the partial file is removed")

        #expect(try await user.waitForExit(seconds: 20) == 0, "\(user.report())")
        let (failed, _) = try await user.waitFor("file-failed")
        #expect(failed.string("direction") == "outgoing")
        let last = try ending(user)
        #expect(last.string("reason") == "ended" && last.string("message") == "the other side ended the session")
    }

    @Test("The pnrp node holding the invitation dies: a User nobody has reached ends with no-cloud (exit 5) within 10 s; one whose Helper is being asked about keeps the question and the session")
    func publishingNodeDies() async throws {
        let lab = try EasyConnectLab("e2e-node-dies")
        defer { lab.cleanup() }
        try await lab.startDaemons(3)
        let alone = try lab.invite(role: "user-alone")
        let asked = try lab.invite(role: "user-asked")
        let lostPassword = try await alone.password()
        let helper = try lab.help(try await asked.password())
        try await asked.waitFor("consent-request")

        let node = lab.nodes[lab.userNode]
        node.process.signal(SIGKILL)
        let diedAt = ContinuousClock.now
        _ = try await node.process.waitForExit()
        let (lost, _) = try await alone.waitFor("disconnected", seconds: 10)
        #expect(lost.string("reason") == "no-cloud" && lost.integer("exitStatus") == 5, "\(lost.text)")
        #expect(lost.string("message")?.contains("pnrp node") == true && lost.string("message")?.contains("new invitation") == true, "\(lost.text)")
        #expect(lost.at - diedAt < .seconds(10))
        #expect(try await alone.waitForExit() == 5, "\(alone.report())")
        // Nobody can find it any more (the lookups may time out on the dead node: 2 s each).
        let late = try lab.help(lostPassword, role: "helper-late", ["--resolve-timeout", "2"])
        #expect(try await late.waitForExit() == 3, "\(late.report())")

        // The Helper who found it before is still asked about, and the session works.
        #expect(asked.isRunning)
        asked.send("accept")
        try await helper.waitFor("connected")
        helper.send("chat", ["text": .string("made it")])
        #expect(try await asked.waitFor("chat").line.string("text") == "made it")
        helper.send("disconnect")
        #expect(try await asked.waitForExit() == 0, "\(asked.report())")
        #expect(try await helper.waitForExit() == 0, "\(helper.report())")
    }

    @Test("SIGTERM to a waiting invite: exit 0, and the invitation is gone: the right password now finds nothing (exit 3)")
    func terminatedInvitation() async throws {
        let lab = try EasyConnectLab("e2e-sigterm")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let user = try lab.invite()
        let password = try await user.password()
        // Found through the Helper's daemon first: a wrong rest reaches the User (and costs one attempt).
        let probe = try lab.help(PasswordText.wrongRest(password), role: "helper-probe")
        #expect(try await probe.waitForExit() == 6, "\(probe.report())")
        try await user.waitFor("attempt-failed")

        user.signal(SIGTERM)
        #expect(try await user.waitForExit() == 0, "\(user.report())")
        let last = try ending(user)
        #expect(last.string("reason") == "ended" && last.integer("exitStatus") == 0)
        #expect(user.stderr.contains("SIGTERM"))
        #expect(try String(contentsOfFile: lab.dataDirectory("user") + "/invitation.lock", encoding: .utf8).isEmpty)
        #expect(try await lab.registrations(lab.nodes[lab.userNode], become: 1), "only the seed's own name is left")

        let helper = try lab.help(password)
        #expect(try await helper.waitForExit() == 3, "\(helper.report())")
        #expect(try ending(helper).string("reason") == "not-found")
    }
}
