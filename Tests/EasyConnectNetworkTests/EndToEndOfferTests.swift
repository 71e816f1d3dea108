import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

/// Offers of help (msra `/offerRA`) between `easy-connect listen` and `easy-connect offer` processes, with the
/// User's settings file deciding who may offer.
@Suite("easy-connect end to end: offers of help and the settings", .timeLimit(.minutes(3)))
struct EndToEndOfferTests {
    /// Starts `listen` with `settings` as the User's settings file; returns it and the endpoint it listens on.
    static func listen(_ lab: EasyConnectLab, settings: String) async throws -> (JSONLineProcess, String) {
        let file = lab.scratch.path + "/user-settings-\(UUID().uuidString.prefix(8)).conf"
        try settings.write(toFile: file, atomically: true, encoding: .utf8)
        let user = try lab.launch(
            "user", lab.easyConnect,
            ["listen", "--json", "--listen", "127.0.0.1", "--port", "0", "--pnrp-state-dir", lab.nodes[0].directory, "--data-dir", lab.dataDirectory("user"),
             "--download-dir", lab.downloadDirectory("user"), "--name", "Ursula", "--computer-name", "ursula-pc"],
            environment: ["EASY_CONNECT_SETTINGS": file])
        let (listening, _) = try await user.waitFor("offer-listening")
        guard case .array(let endpoints)? = listening.object?["endpoints"], let endpoint = endpoints.first?.stringValue else {
            throw TestFailure("no endpoint: \(listening.text)")
        }
        #expect(listening.string("address") == (try await lab.fingerprint("user")) + ".RAContact")
        return (user, endpoint)
    }

    static func offer(_ lab: EasyConnectLab, _ endpoint: String) throws -> JSONLineProcess {
        try lab.launch(
            "helper", lab.easyConnect,
            ["offer", endpoint, "--json", "--pnrp-state-dir", lab.nodes[lab.helperNode].directory, "--data-dir", lab.dataDirectory("helper"),
             "--download-dir", lab.downloadDirectory("helper"), "--name", "Hector", "--computer-name", "hector-pc"])
    }

    @Test("Allowed by the settings: the User sees who offers and accepts; both keep each other as contacts")
    func allowed() async throws {
        let lab = try EasyConnectLab("e2e-offer-ok")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let helperFingerprint = try await lab.fingerprint("helper")
        let (user, endpoint) = try await Self.listen(lab, settings: "allow-offers = yes\noffers-allowed-from = \(helperFingerprint).RAContact\n")
        let helper = try Self.offer(lab, endpoint)
        let (request, _) = try await user.waitFor("consent-request")
        #expect(request.string("helper") == "Hector" && request.string("fingerprint") == helperFingerprint)
        user.send("accept")
        let (connected, _) = try await helper.waitFor("connected")
        #expect(connected.string("fingerprint") == (try await lab.fingerprint("user")))
        _ = try await helper.waitFor("contact-saved")
        helper.send("disconnect")
        #expect(try await helper.waitForExit() == 0)
        #expect(try await user.waitForExit() == 0)
    }

    @Test("Offers turned off, or the Helper not on the list: the Helper is refused with the reason (exit 8), the User is not asked", arguments: [
        ("allow-offers = no\n", "turned off"), ("allow-offers = yes\noffers-allowed-from = \(String(repeating: "ab", count: 20))\n", "only from the helpers it lists"),
    ])
    func refused(_ settings: String, _ reason: String) async throws {
        let lab = try EasyConnectLab("e2e-offer-refused")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let (user, endpoint) = try await Self.listen(lab, settings: settings)
        let helper = try Self.offer(lab, endpoint)
        #expect(try await helper.waitForExit() == 8, "\(helper.report())")
        let (ended, _) = try await helper.waitFor("disconnected")
        #expect(ended.string("message")?.contains(reason) == true, "\(ended.text)")
        let (refused, _) = try await user.waitFor("helper-refused")
        #expect(refused.string("helper") == "Hector" && refused.string("reason")?.contains(reason) == true)
        #expect(!user.events.contains("consent-request"))
        user.send("disconnect")
        _ = try await user.waitForExit()
    }

    @Test("Declined by the User: the Helper is told (exit 8)")
    func declined() async throws {
        let lab = try EasyConnectLab("e2e-offer-declined")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let helperFingerprint = try await lab.fingerprint("helper")
        let (user, endpoint) = try await Self.listen(lab, settings: "allow-offers = yes\noffers-allowed-from = \(helperFingerprint)\n")
        let helper = try Self.offer(lab, endpoint)
        _ = try await user.waitFor("consent-request")
        user.send("decline")
        #expect(try await helper.waitForExit() == 8, "\(helper.report())")
        let (ended, _) = try await helper.waitFor("disconnected")
        #expect(ended.string("message")?.contains("declined") == true, "\(ended.text)")
        user.send("disconnect")
        _ = try await user.waitForExit()
    }
}
