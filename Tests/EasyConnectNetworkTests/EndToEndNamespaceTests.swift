import EasyConnectNetwork
import Foundation
import Testing

/// `easy-connect` between two machines with nothing set up: two hosts in network namespaces on one bridge,
/// no `pnrp node`, no seed. Each command embeds a PNRP node (`--no-daemon`), whose link-local cloud on eth0
/// is found by SSDP multicast; the global clouds stay alone.
@Suite(
    "easy-connect end to end: two hosts in network namespaces", .serialized,
    .enabled(if: NetworkNamespaces.available, "needs root and iproute2 (ip netns) to make two hosts on a bridge"), .timeLimit(.minutes(2)))
struct EndToEndNamespaceTests {
    @Test("No daemon, no seed: the Helper on the other host finds the invitation in the link-local cloud and connects; consent, chat both ways, a file, disconnect; then over the IPv6 link-local address alone")
    func twoHosts() async throws {
        let lab = try EasyConnectLab("e2e-netns")
        defer { lab.cleanup() }
        let net = try await NetworkNamespaces(hosts: 2)
        defer { net.tearDown() }
        let userLinkLocal = try await net.linkLocal(0), helperLinkLocal = try await net.linkLocal(1)
        let file = lab.scratch.path + "/report.pdf"
        let digest = try TestFiles.random(file, bytes: 150_000)

        func start(_ role: String, host: Int, _ arguments: [String], environment: [String: String] = [:]) throws -> JSONLineProcess {
            let (ip, wrapped) = net.inHost(
                host, lab.easyConnect,
                arguments + ["--json", "--no-daemon", "--data-dir", lab.dataDirectory(role), "--download-dir", lab.downloadDirectory(role), "--log-level", "info"])
            return try lab.launch(role, ip, wrapped, environment: environment)
        }

        let user = try start("user", host: 0, ["invite", "--name", "Ursula", "--computer-name", "host-a"])
        let (invitation, _) = try await user.waitFor("invitation", seconds: 40)
        let password = try #require(invitation.string("password"))
        let (service, _) = try await user.waitFor("name-service")
        #expect(service.string("description")?.contains("embedded node on \(net.ipv4(0))") == true, "\(service.text)")
        let endpoints: [String] = if case .array(let items)? = invitation.object?["endpoints"] { items.compactMap(\.stringValue) } else { [] }
        #expect(endpoints.contains { $0.hasPrefix(net.ipv4(0) + ":") }, "\(endpoints)")
        #expect(endpoints.contains { $0.hasPrefix("[\(userLinkLocal)%") }, "\(endpoints)")

        let helper = try start("helper", host: 1, ["help", "--name", "Hector", "--computer-name", "host-b"], environment: ["EASY_CONNECT_PASSWORD": password])
        let (request, _) = try await user.waitFor("consent-request", seconds: 40)
        #expect(request.string("helper") == "Hector" && request.string("computer") == "host-b")
        user.send("accept")
        let (userSide, _) = try await user.waitFor("connected")
        let (helperSide, _) = try await helper.waitFor("connected")
        // Each side sees the other host's address: the connection crossed the bridge.
        let helperAddress = try #require(userSide.string("remote"))
        #expect(helperAddress.hasPrefix(net.ipv4(1) + ":") || helperAddress.hasPrefix("[\(helperLinkLocal)%"), "\(helperAddress)")
        let userAddress = try #require(helperSide.string("remote"))
        #expect(userAddress.hasPrefix(net.ipv4(0) + ":") || userAddress.hasPrefix("[\(userLinkLocal)%"), "\(userAddress)")
        #expect(helperSide.string("peer") == "Ursula" && helperSide.string("computer") == "host-a")

        user.send("chat", ["text": .string("hello from host a")])
        #expect(try await helper.waitFor("chat").line.string("text") == "hello from host a")
        helper.send("chat", ["text": .string("hello from host b")])
        #expect(try await user.waitFor("chat").line.string("text") == "hello from host b")

        user.send("send-file", ["path": .string(file)])
        let (offer, _) = try await helper.waitFor("file-offer")
        helper.send("accept-file", ["id": .unsigned(try #require(offer.number("id")))])
        let (received, _) = try await helper.waitFor("file-received", seconds: 30)
        #expect(received.string("sha256") == digest)
        #expect(try TestFiles.sha256(lab.downloadDirectory("helper") + "/report.pdf") == digest)
        try await user.waitFor("file-sent")

        user.send("disconnect")
        #expect(try await user.waitForExit(seconds: 30) == 0, "\(user.report())")
        #expect(try await helper.waitForExit(seconds: 30) == 0, "\(helper.report())")
        #expect(user.output.last?.string("reason") == "ended" && helper.output.last?.string("reason") == "ended")

        // Again, listening on the link-local address alone: the Helper must reach fe80::… through its own eth0,
        // whose interface index is not the one the User's invitation names.
        let userIndex = try await net.interfaceIndex(0), helperIndex = try await net.interfaceIndex(1)
        #expect(userIndex != helperIndex)
        let linkUser = try start("user-2", host: 0, ["invite", "--listen", "\(userLinkLocal)%eth0", "--name", "Ursula"])
        let (linkInvitation, _) = try await linkUser.waitFor("invitation", seconds: 40)
        let linkEndpoints: [String] = if case .array(let items)? = linkInvitation.object?["endpoints"] { items.compactMap(\.stringValue) } else { [] }
        #expect(linkEndpoints.count == 1 && linkEndpoints[0].hasPrefix("[\(userLinkLocal)%\(userIndex)]:"), "\(linkEndpoints)")
        let linkHelper = try start(
            "helper-2", host: 1, ["help", "--name", "Hector"], environment: ["EASY_CONNECT_PASSWORD": try #require(linkInvitation.string("password"))])
        try await linkUser.waitFor("consent-request", seconds: 40)
        linkUser.send("accept")
        let (linkConnected, _) = try await linkHelper.waitFor("connected")
        #expect(linkConnected.string("remote")?.hasPrefix("[\(userLinkLocal)%\(helperIndex)]:") == true, "\(linkConnected.text)")
        let (linkAccepted, _) = try await linkUser.waitFor("connected")
        #expect(linkAccepted.string("remote")?.hasPrefix("[\(helperLinkLocal)%\(userIndex)]:") == true, "\(linkAccepted.text)")
        linkHelper.send("disconnect")
        #expect(try await linkHelper.waitForExit(seconds: 30) == 0, "\(linkHelper.report())")
        #expect(try await linkUser.waitForExit(seconds: 30) == 0, "\(linkUser.report())")
        print("two hosts: invitation published \(invitation.at - user.started) after invite started; Helper connected \(helperSide.at - helper.started) after help started")
    }
}
