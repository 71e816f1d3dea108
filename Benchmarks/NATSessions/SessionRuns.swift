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
        /// With a file: its bytes over the seconds from the User's send-file command to the Helper's file-received
        /// event (offer, accept, stream, SHA-256 both sides, fsync, final name).
        var fileMegabytesPerSecond: Double?
        /// With a file on a relayed path: the CPU time of the relay's process during the transfer, per MB.
        var relayMicrosecondsPerMegabyte: Double?
    }

    /// The lab's programs: the public `pnrp` nodes, and one User and one Helper per session.
    final class SessionRuns: @unchecked Sendable {
        let lab: NATLab
        let binaries: (pnrp: URL, easyConnect: URL)
        let directory: String
        /// The `--log-level` of the `easy-connect` programs (their stderr files, kept with `--keep`).
        var logLevel = "warning"
        /// A file the User sends in every session, and its size (nil: none).
        var file: (path: String, bytes: Int)?
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
                        data + "/downloads", "--log-level", logLevel,
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
            var timing = SessionTiming(path: path, firstByteMilliseconds: firstByte, invitationSeconds: invitationTime.seconds, consentSeconds: consentTime.seconds)
            if let file {
                _ = try await userProgram.waitFor("connected", seconds: 30)
                // The relay is the public host whose address the Helper connected to.
                let relay = path == "relayed" ? relayNode(at: connected["remote"] as? String) : nil
                let cpuBefore = relay.flatMap { Self.cpuSeconds(of: $0.process.processIdentifier) }
                let sent = ContinuousClock.now
                userProgram.send("send-file", ["path": file.path])
                let offer = try await helperChild.waitFor("file-offer", seconds: 30)
                guard let id = (offer["id"] as? NSNumber)?.intValue else { throw LabError("a file offer without an id: \(offer)") }
                helperChild.send("accept-file", ["id": id])
                let received = try await helperChild.waitFor("file-received", seconds: 600)
                let took = (ContinuousClock.now - sent).seconds
                guard (received["bytes"] as? NSNumber)?.intValue == file.bytes else { throw LabError("the file arrived incomplete: \(received)") }
                let megabytes = Double(file.bytes) / 1e6
                timing.fileMegabytesPerSecond = megabytes / took
                if let relay, let before = cpuBefore, let after = Self.cpuSeconds(of: relay.process.processIdentifier) {
                    timing.relayMicrosecondsPerMegabyte = (after - before) * 1e6 / megabytes
                }
            }
            userProgram.send("disconnect")
            // Both end normally (exit status 0): anything else is a failure of the session, not a figure.
            for program in [userProgram, helperChild] {
                let status = await program.waitForExit(seconds: 20)
                guard status == 0 else { throw LabError("\(program.name) ended with status \(status) after the session\n\(program.tail())") }
            }
            return timing
        }

        /// The public node whose address begins `remote` (`10.x.0.2:3541`).
        func relayNode(at remote: String?) -> LabChild? {
            guard let address = remote?.split(separator: ":").first.map(String.init),
                let index = lab.publicHosts.firstIndex(where: { $0.address == address }), index < publicNodes.count
            else { return nil }
            return publicNodes[index]
        }

        /// User plus system CPU seconds of process `pid` so far (`/proc/PID/stat`, fields 14 and 15).
        static func cpuSeconds(of pid: Int32) -> Double? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
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
