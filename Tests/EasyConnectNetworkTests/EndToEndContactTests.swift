import EasyConnect
import EasyConnectNetwork
import Foundation
import PeerCrypto
import Testing

/// Contact help with real processes and real `pnrp node` daemons on loopback: a first session by password
/// leaves a trust record on each side; the second needs no password; a changed record is refused.
@Suite("easy-connect end to end: contacts and help without a password", .timeLimit(.minutes(3)))
struct EndToEndContactTests {
    /// Runs a password session to `connected`, then ends it; returns both fingerprints.
    static func firstSession(_ lab: EasyConnectLab) async throws -> (user: String, helper: String) {
        let user = try lab.invite()
        let password = try await user.password()
        let helper = try lab.help(password)
        _ = try await user.waitFor("consent-request")
        user.send("accept")
        let (saved, _) = try await user.waitFor("contact-saved")
        let (helperSaved, _) = try await helper.waitFor("contact-saved")
        user.send("disconnect")
        #expect(try await user.waitForExit() == 0)
        #expect(try await helper.waitForExit() == 0)
        let userFingerprint = try await lab.fingerprint("user"), helperFingerprint = try await lab.fingerprint("helper")
        #expect(saved.string("address") == helperFingerprint + ".RAContact" && saved.string("name") == "Hector")
        #expect(helperSaved.string("address") == userFingerprint + ".RAContact" && helperSaved.string("name") == "Ursula")
        return (userFingerprint, helperFingerprint)
    }

    static func history(_ lab: EasyConnectLab, _ role: String) throws -> ContactHistory {
        let path = lab.dataDirectory(role) + "/RAContactHistory.xml"
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600, "RAContactHistory.xml mode \(String(describing: mode))")
        return try ContactHistory(parsing: Array(bytes))
    }

    @Test("First session by password, second by contact with no password; both histories hold each other's key and address")
    func passwordThenContact() async throws {
        let lab = try EasyConnectLab("e2e-contact")
        defer { lab.cleanup() }
        try await lab.startDaemons(3)
        let (userFingerprint, helperFingerprint) = try await Self.firstSession(lab)

        let userHistory = try Self.history(lab, "user"), helperHistory = try Self.history(lab, "helper")
        #expect(userHistory.records.count == 1 && helperHistory.records.count == 1)
        let helperRecord = try #require(userHistory.records.first), userRecord = try #require(helperHistory.records.first)
        #expect(helperRecord.address.description == helperFingerprint + ".RAContact" && helperRecord.isConsistent && helperRecord.name == "Hector")
        #expect(helperRecord.computerName == "hector-pc" && helperRecord.type == 1)
        #expect(userRecord.address.description == userFingerprint + ".RAContact" && userRecord.isConsistent && userRecord.name == "Ursula")
        #expect(PeerIdentity.fingerprint(of: helperRecord.publicKey) == helperFingerprint)

        // `contacts` lists them.
        let listed = try await EasyConnectProcess.run(executable: lab.easyConnect, ["contacts", "--json", "--data-dir", lab.dataDirectory("user")], scratch: lab.scratch.path)
        #expect(listed.status == 0 && listed.stdout.contains(helperFingerprint + ".RAContact"), "\(listed.stdout) \(listed.stderr)")

        // The second session: no password on either side.
        let user = try lab.invite(["--contact", helperFingerprint + ".RAContact"])
        let (published, _) = try await user.waitFor("contact-invitation")
        #expect(published.string("address") == userFingerprint + ".RAContact" && published.string("contact") == helperFingerprint + ".RAContact")
        #expect(!user.output.contains { $0.string("event") == "invitation" }, "no password is shown")
        let helper = try lab.helpContact(userFingerprint + ".RAContact")
        let (request, _) = try await user.waitFor("consent-request")
        #expect(request.string("fingerprint") == helperFingerprint)
        user.send("accept")
        _ = try await user.waitFor("connected")
        let (connected, _) = try await helper.waitFor("connected")
        #expect(connected.string("fingerprint") == userFingerprint)
        helper.send("chat", ["text": .string("no password this time")])
        let (heard, _) = try await user.waitFor("chat")
        #expect(heard.string("text") == "no password this time")
        helper.send("disconnect")
        #expect(try await helper.waitForExit() == 0)
        #expect(try await user.waitForExit() == 0)
        #expect(try Self.history(lab, "user").records.count == 1, "the same contact is updated, not duplicated")
    }

    @Test("A record whose key was replaced is refused on both sides with both fingerprints (exit 14), and the file is left as it is")
    func tamperedRecord() async throws {
        let lab = try EasyConnectLab("e2e-contact-tampered")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let (userFingerprint, helperFingerprint) = try await Self.firstSession(lab)
        let attacker = Ed25519PrivateKey().publicKey
        let attackerFingerprint = PeerIdentity.fingerprint(of: attacker)
        for (role, recordFingerprint, peerAddress, command) in [
            ("helper", userFingerprint, userFingerprint + ".RAContact", "help"), ("user", helperFingerprint, helperFingerprint + ".RAContact", "invite"),
        ] {
            let path = lab.dataDirectory(role) + "/RAContactHistory.xml"
            let history = try Self.history(lab, role)
            let original = try #require(history.records.first).publicKey
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
                of: Data(original.bytes).base64EncodedString(), with: Data(attacker.bytes).base64EncodedString())
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let process =
                command == "help"
                ? try lab.helpContact(peerAddress)
                : try lab.invite(["--contact", peerAddress])
            let status = try await process.waitForExit()
            #expect(status == 14, "\(role): \(process.report())")
            let (failure, _) = try await process.waitFor("disconnected")
            let message = failure.string("message") ?? ""
            #expect(failure.string("reason") == "key-mismatch")
            #expect(message.contains(recordFingerprint) && message.contains(attackerFingerprint), "\(message)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "nothing is updated silently")
        }
    }

    @Test("Contact help for a contact who never invited: not found, with what to do")
    func nobodyWaiting() async throws {
        let lab = try EasyConnectLab("e2e-contact-none")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let (userFingerprint, _) = try await Self.firstSession(lab)
        let helper = try lab.helpContact(userFingerprint + ".RAContact")
        #expect(try await helper.waitForExit(seconds: 40) == 3, "\(helper.report())")
        let (failure, _) = try await helper.waitFor("disconnected")
        #expect(failure.string("message")?.contains("invite --contact") == true, "\(failure.text)")
        let unknown = try lab.helpContact(String(repeating: "ab", count: 20) + ".RAContact")
        #expect(try await unknown.waitForExit() == 2, "\(unknown.report())")
    }
}
