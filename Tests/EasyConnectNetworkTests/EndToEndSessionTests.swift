import EasyConnectNetwork
import Foundation
import Testing

/// The `easy-connect` command as a script uses it: three `pnrp node` daemons on loopback, an `invite --json`
/// process publishing through one and a `help --json` process looking up through another, both driven only
/// through their stdin and stdout.
@Suite("easy-connect end to end: a whole session", .timeLimit(.minutes(3)))
struct EndToEndSessionTests {
    @Test("Consent, chat both ways, a 100 MB file and a small one, control granted and taken back with panic, disconnect: both sides exit 0")
    func wholeSession() async throws {
        let lab = try EasyConnectLab("e2e-session")
        defer { lab.cleanup() }
        try await lab.startDaemons(3)
        let big = lab.scratch.path + "/holiday-video.bin", small = lab.scratch.path + "/helper-notes.txt"
        let bigSize = 100_000_000, smallSize = 300_001
        let bigDigest = try TestFiles.random(big, bytes: bigSize)
        let smallDigest = try TestFiles.random(small, bytes: smallSize)

        let user = try lab.invite()
        let password = try await user.password()
        #expect(password.count == 14 && password.split(separator: " ").map(\.count) == [4, 4, 4], "\(password)")
        #expect(try await lab.registrations(lab.nodes[lab.userNode]) >= 1, "the invitation is published through the User's daemon")

        let helper = try lab.help(password)
        let (request, _) = try await user.waitFor("consent-request")
        #expect(request.string("helper") == "Hector")
        #expect(request.string("computer") == "hector-pc")
        let helperFingerprint = try await lab.fingerprint("helper"), userFingerprint = try await lab.fingerprint("user")
        #expect(request.string("fingerprint") == helperFingerprint)
        #expect(request.string("contact") == helperFingerprint + ".RAContact")
        #expect(helper.events.contains("status"))

        user.send("accept")
        let (userConnected, _) = try await user.waitFor("connected")
        let (helperConnected, _) = try await helper.waitFor("connected")
        #expect(userConnected.string("peer") == "Hector" && userConnected.string("fingerprint") == helperFingerprint)
        #expect(helperConnected.string("peer") == "Ursula" && helperConnected.string("computer") == "ursula-pc")
        #expect(helperConnected.string("fingerprint") == userFingerprint)
        #expect(helperConnected.string("remote")?.hasPrefix("127.0.0.1:") == true)
        // Once accepted, the invitation is withdrawn from the cloud.
        #expect(try await lab.registrations(lab.nodes[lab.userNode], become: 0))

        // Lines a script gets wrong are answered with an error event and the session goes on; blank lines are
        // ignored.
        for (line, code) in [("not json", "bad-input"), ("", nil), ("{\"command\":\"frobnicate\"}", "bad-input"), ("{\"command\":\"request-control\"}", "wrong-role")] {
            let from = user.output.count
            user.sendLine(line)
            guard let code else { continue }
            let (error, _) = try await user.waitFor("error", from: from)
            #expect(error.string("code") == code, "\(line): \(error.text)")
        }

        // Chat, each way; the text survives JSON both ways, quotes, backslash and non-ASCII included.
        let toHelper = "Hello Hector \u{2014} \"can you see\" C:\\Users? \u{2713}"
        user.send("chat", ["text": .string(toHelper)])
        let (heard, _) = try await helper.waitFor("chat")
        #expect(heard.string("text") == toHelper)
        #expect(heard.string("from") == "Ursula")
        let toUser = "Yes, I can. \u{00E9}t\u{00E9} \u{1F600}"
        helper.send("chat", ["text": .string(toUser)])
        let (answer, _) = try await user.waitFor("chat")
        #expect(answer.string("text") == toUser)
        #expect(answer.string("from") == "Hector")

        // 100 MB from the User to the Helper.
        user.send("send-file", ["path": .string(big)])
        let (offered, _) = try await user.waitFor("file-offered")
        let bigID = try #require(offered.number("id"))
        #expect(offered.string("name") == "holiday-video.bin" && offered.number("bytes") == UInt64(bigSize))
        let (offer, _) = try await helper.waitFor("file-offer")
        #expect(offer.number("id") == bigID && offer.string("name") == "holiday-video.bin" && offer.string("safeName") == "holiday-video.bin")
        #expect(offer.number("bytes") == UInt64(bigSize))
        helper.send("accept-file", ["id": .unsigned(bigID)])
        let (received, _) = try await helper.waitFor("file-received", seconds: 120)
        let (sent, _) = try await user.waitFor("file-sent", seconds: 30)
        let storedBig = lab.downloadDirectory("helper") + "/holiday-video.bin"
        #expect(received.string("path") == storedBig)
        #expect(received.number("bytes") == UInt64(bigSize))
        #expect(received.string("sha256") == bigDigest)
        #expect(sent.string("sha256") == bigDigest && sent.number("id") == bigID)
        #expect(try TestFiles.sha256(storedBig) == bigDigest, "the bytes on disk are the bytes sent")
        let bigAt = helper.output.firstIndex { $0.event == "file-received" } ?? 0
        let bigElapsed = seconds(helper.output[bigAt].at - offer.at)

        // A small file from the Helper to the User.
        helper.send("send-file", ["path": .string(small)])
        let (smallOffered, _) = try await helper.waitFor("file-offered")
        let smallID = try #require(smallOffered.number("id"))
        let (smallOffer, _) = try await user.waitFor("file-offer")
        #expect(smallOffer.string("safeName") == "helper-notes.txt" && smallOffer.number("bytes") == UInt64(smallSize))
        user.send("accept-file", ["id": .unsigned(try #require(smallOffer.number("id")))])
        let (smallReceived, _) = try await user.waitFor("file-received", seconds: 60)
        let (smallSent, _) = try await helper.waitFor("file-sent", seconds: 30)
        let storedSmall = lab.downloadDirectory("user") + "/helper-notes.txt"
        #expect(smallReceived.string("path") == storedSmall && smallReceived.string("sha256") == smallDigest)
        #expect(smallSent.number("id") == smallID && smallSent.string("sha256") == smallDigest)
        #expect(try TestFiles.sha256(storedSmall) == smallDigest)

        // Control: asked, granted, taken back with the panic key.
        helper.send("request-control")
        try await user.waitFor("control-requested")
        user.send("grant-control")
        try await user.waitFor("control-granted")
        try await helper.waitFor("control-granted")
        user.send("panic")
        let (userEnded, _) = try await user.waitFor("control-ended")
        let (helperEnded, _) = try await helper.waitFor("control-ended")
        #expect(userEnded.string("reason") == "panic" && helperEnded.string("reason") == "panic")

        helper.send("disconnect")
        let helperStatus = try await helper.waitForExit(seconds: 30)
        let userStatus = try await user.waitForExit(seconds: 30)
        #expect(helperStatus == 0, "\(helper.report())")
        #expect(userStatus == 0, "\(user.report())")

        let userLines = user.output, helperLines = helper.output
        #expect(userLines.allSatisfy { $0.event != nil }, "every stdout line is a JSON event: \(user.report())")
        #expect(helperLines.allSatisfy { $0.event != nil }, "every stdout line is a JSON event: \(helper.report())")
        let userExpected = [
            "name-service", "invitation", "status", "consent-request", "connected", "contact-saved", "error", "error", "error", "chat", "file-offered",
            "file-progress*", "file-sent",
            "file-offer", "file-progress*", "file-received", "control-requested", "control-granted", "control-ended", "disconnected",
        ]
        let helperExpected = [
            "name-service", "status", "status", "connected", "contact-saved", "chat", "file-offer", "file-progress*", "file-received", "file-offered",
            "file-progress*", "file-sent", "control-granted", "control-ended", "disconnected",
        ]
        #expect(EventSequence.mismatch(user.events, userExpected) == nil, "\(EventSequence.mismatch(user.events, userExpected) ?? "")")
        #expect(EventSequence.mismatch(helper.events, helperExpected) == nil, "\(EventSequence.mismatch(helper.events, helperExpected) ?? "")")
        #expect(helperLines.filter { $0.event == "status" }.map { $0.string("status") ?? "" } == ["attempting to connect", "waiting for acceptance"])
        #expect(userLines.first { $0.event == "status" }?.string("status") == "waiting for a helper")

        // Progress lines belong to their transfer, never go backwards and stop at its size.
        for (lines, id, total) in [(helperLines, bigID, UInt64(bigSize)), (userLines, bigID, UInt64(bigSize)), (userLines, smallID, UInt64(smallSize))] {
            let progress = lines.filter { $0.event == "file-progress" && $0.number("id") == id && $0.number("total") == total }.compactMap { $0.number("bytes") }
            #expect(progress == progress.sorted() && (progress.last ?? 0) <= total, "\(progress)")
        }
        #expect(helperLines.contains { $0.event == "file-progress" && $0.string("direction") == "incoming" })
        #expect(userLines.contains { $0.event == "file-progress" && $0.string("direction") == "outgoing" })

        let userLast = try #require(userLines.last), helperLast = try #require(helperLines.last)
        #expect(userLast.string("reason") == "ended" && userLast.integer("exitStatus") == 0)
        #expect(helperLast.string("reason") == "ended" && helperLast.integer("exitStatus") == 0)
        #expect(userLast.string("message") == "the other side ended the session")
        #expect(helperLast.string("message") == "you ended the session")

        // Nothing partial is left; each download directory holds exactly the file it received.
        #expect(TestFiles.listing(lab.downloadDirectory("helper")) == ["holiday-video.bin"])
        #expect(TestFiles.listing(lab.downloadDirectory("user")) == ["helper-notes.txt"])
        #expect(try String(contentsOfFile: lab.dataDirectory("user") + "/invitation.lock", encoding: .utf8).isEmpty)
        // The password never reaches stdout past the User's invitation event, nor stderr.
        let plain = String(PasswordText.plain(password))
        #expect(!helper.report().contains(password) && !helper.report().contains(plain))
        #expect(!user.stderr.contains(password) && !user.stderr.contains(plain))
        print("whole session: 100 MB accepted to verified on disk in \(String(format: "%.2f", bigElapsed)) s")
    }
}
