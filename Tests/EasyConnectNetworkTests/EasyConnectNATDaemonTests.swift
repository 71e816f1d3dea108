#if os(Linux)
    import EasyConnectNetwork
    import Foundation
    import NetworkLab
    import Testing

    extension EasyConnectNATTests {
        @Test("A User publishing through a pnrp node --nat-traversal behind a port-restricted NAT: the daemon's reachability and relay go into the invitation, and a Helper behind a full cone punches through")
        func userThroughDaemonBehindNAT() async throws {
            let lab = try EasyConnectLab("nat-daemon")
            defer { lab.cleanup() }
            let net = try await NATLab(publicHosts: 3, sites: [.portRestricted, .fullCone], tag: "ecd")
            defer { net.tearDown() }
            let seed = try await Self.startPublicNodes(lab: lab, net: net)
            let userSite = net.sites[0], helperSite = net.sites[1]

            let state = try lab.scratch.directory("user-node")
            let (nodeExecutable, nodeArguments) = net.command(
                in: userSite.host, lab.pnrp,
                [
                    "node", "--nat-traversal", "--no-link-local", "--no-multicast", "--address", userSite.hostAddress, "--seed", seed, "--state-dir", state,
                    "--log-level", "warning",
                ])
            let node = try lab.launch("user-node", nodeExecutable, nodeArguments)
            _ = try await node.waitForText("pnrp node ready:", seconds: 20)

            let (executable, arguments) = net.command(
                in: userSite.host, lab.easyConnect,
                [
                    "invite", "--name", "Ursula", "--json", "--pnrp-state-dir", state, "--address", userSite.hostAddress, "--data-dir", lab.dataDirectory("user"),
                    "--download-dir", lab.downloadDirectory("user"), "--log-level", "info",
                ])
            let user = try lab.launch("user", executable, arguments)
            let password = try await user.password(seconds: 90)
            let (service, _) = try await user.waitFor("name-service", seconds: 1)
            #expect(service.string("description")?.hasPrefix("pnrp node at") == true, "\(service.text)")
            let helper = try Self.startEasyConnect(
                lab: lab, net: net, seed: seed, role: "helper", site: helperSite, ["help", "--name", "Hector"], environment: ["EASY_CONNECT_PASSWORD": password])
            do {
                try await user.waitFor("consent-request", seconds: 60)
            } catch {
                // The User's side alone does not say why no Helper arrived: the Helper's output goes with it.
                Issue.record("no consent request: \(error)\n--- the Helper:\n\(helper.report())")
                throw error
            }
            user.send("accept")
            let (connected, _) = try await helper.waitFor("connected", seconds: 30)
            #expect(connected.string("path") == "punched", "\(connected.text)\n\(user.report())\n\(helper.report())")
            helper.send("chat", ["text": .string("through both NATs")])
            let (chat, _) = try await user.waitFor("chat", seconds: 10)
            #expect(chat.string("text") == "through both NATs")
            user.send("disconnect")
            #expect(try await user.waitForExit(seconds: 20) == 0)
            #expect(try await helper.waitForExit(seconds: 20) == 0)
        }
    }
#endif
