#if os(Linux)
    import Foundation
    import Glibc
    import NetworkLab

    /// One session's figures.
    struct SessionTiming {
        /// `direct`, `punched` or `relayed`, as the Helper's connected event says.
        var path: String
        /// The Helper's `firstByteMilliseconds`.
        var firstByteMilliseconds: Double
        /// From starting `easy-connect invite` to its invitation event (reachability check and relay included).
        var invitationSeconds: Double
        /// From starting `easy-connect help` to the User's consent request (node join, resolution, Argon2id, path, handshake).
        var consentSeconds: Double
    }

    /// The lab's programs: the public `pnrp` nodes, and one User and one Helper per session.
    final class SessionRuns: @unchecked Sendable {
        let lab: NATLab
        let binaries: (pnrp: URL, easyConnect: URL)
        let directory: String
        private var publicNodes: [LabChild] = []
        static let relayPort = "3541"

        init(lab: NATLab, binaries: (pnrp: URL, easyConnect: URL), directory: String) {
            (self.lab, self.binaries, self.directory) = (lab, binaries, directory)
        }

        var seed: String { "\(lab.publicHosts[0].address):3540" }

        /// A `pnrp node --nat-traversal --stream-relay-port` on each public host, each publishing a name (a cloud
        /// without registered IDs leaves every joiner alone).
        func startPublicNodes() async throws {
            for (i, host) in lab.publicHosts.enumerated() {
                let state = directory + "/pnrp-\(i)"
                try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
                let arguments =
                    [
                        "node", "--nat-traversal", "--stream-relay-port", Self.relayPort, "--no-link-local", "--no-multicast", "--address", host.address,
                        "--state-dir", state, "--log-level", "warning",
                    ] + (i == 0 ? [] : ["--seed", seed])
                let node = try LabChild("pnrp-\(i)", in: host.namespace, of: lab, binaries.pnrp, arguments, environment: [:], directory: directory)
                publicNodes.append(node)
                try await node.waitForText("pnrp node ready:", seconds: 30)
                let register = try LabChild(
                    "register-\(i)", in: host.namespace, of: lab, binaries.pnrp, ["register", "bench-\(i)", "--secured", "--state-dir", state], environment: [:],
                    directory: directory)
                guard await register.waitForExit(seconds: 30) == 0 else { throw LabError("pnrp register on public host \(i) failed\n\(register.tail())") }
            }
        }

        /// One session: a User invites from `user`, a Helper helps from `helper`, the User accepts, then ends it.
        func session(user: NATLab.Site, helper: NATLab.Site, label: String) async throws -> SessionTiming {
            func start(_ role: String, _ site: NATLab.Site, _ arguments: [String], environment: [String: String] = [:]) throws -> LabChild {
                let data = directory + "/\(label)-\(role)"
                try FileManager.default.createDirectory(atPath: data + "/downloads", withIntermediateDirectories: true)
                let full =
                    arguments + [
                        "--json", "--no-daemon", "--nat-traversal", "--seed", seed, "--address", site.hostAddress, "--data-dir", data, "--download-dir",
                        data + "/downloads", "--log-level", "warning",
                    ]
                var settings = environment
                settings["EASY_CONNECT_SETTINGS"] = "/dev/null"
                settings["EASY_CONNECT_POLICY"] = "/dev/null"
                return try LabChild("\(label)-\(role)", in: site.host, of: lab, binaries.easyConnect, full, environment: settings, directory: directory)
            }
            let invited = ContinuousClock.now
            let userProgram = try start("user", user, ["invite", "--name", "User \(label)"])
            var helperProgram: LabChild?
            defer {
                userProgram.stop(SIGKILL)
                helperProgram?.stop(SIGKILL)
            }
            let invitation = try await userProgram.waitFor("invitation", seconds: 120)
            let invitationTime = ContinuousClock.now - invited
            guard let password = invitation["password"] as? String else { throw LabError("an invitation without a password") }
            let helping = ContinuousClock.now
            let helperChild = try start("helper", helper, ["help", "--name", "Helper \(label)"], environment: ["EASY_CONNECT_PASSWORD": password])
            helperProgram = helperChild
            _ = try await userProgram.waitFor("consent-request", seconds: 90)
            let consentTime = ContinuousClock.now - helping
            userProgram.send("accept")
            let connected = try await helperChild.waitFor("connected", seconds: 30)
            guard let path = connected["path"] as? String, let firstByte = (connected["firstByteMilliseconds"] as? NSNumber)?.doubleValue else {
                throw LabError("the Helper's connected event lacks path or firstByteMilliseconds: \(connected)")
            }
            userProgram.send("disconnect")
            await userProgram.waitForExit(seconds: 20)
            await helperChild.waitForExit(seconds: 20)
            return SessionTiming(path: path, firstByteMilliseconds: firstByte, invitationSeconds: invitationTime.seconds, consentSeconds: consentTime.seconds)
        }

        /// Stops the public nodes (SIGTERM, then SIGKILL after 10 s).
        func stopAll() async {
            for node in publicNodes { node.stop() }
            for node in publicNodes { await node.waitForExit(seconds: 10) }
        }
    }

    extension Duration {
        var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    }
#endif
