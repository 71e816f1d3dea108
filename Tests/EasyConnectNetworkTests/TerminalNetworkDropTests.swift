import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

/// A shared terminal between two hosts in network namespaces while the link between them goes down: a drop
/// of 8 seconds passes (TCP keeps what was typed meanwhile, the screen is whole afterwards), a drop longer
/// than the 20-second silence limit ends both sides with `connection-lost`, the User's session log closed.
@Suite(
    "Shared terminal across a network drop", .serialized,
    .enabled(if: NetworkNamespaces.available, "needs root and iproute2 (ip netns) to make two hosts on a bridge"), .timeLimit(.minutes(3)))
struct TerminalNetworkDropTests {
    @Test("An 8-second drop: the session goes on and the keys typed during it reach the terminal; a 40-second drop ends both sides cleanly (exit 9, log closed)")
    func drops() async throws {
        let lab = try EasyConnectLab("terminal-drop")
        defer { lab.cleanup() }
        let net = try await NetworkNamespaces(hosts: 2, tag: "t")
        defer { net.tearDown() }
        let hub = net.prefix + "hub"
        let password = ["EASY_CONNECT_FILE_PASSWORD": "drop-test-password"]
        func start(_ role: String, host: Int, _ arguments: [String]) throws -> JSONLineProcess {
            let (ip, wrapped) = net.inHost(host, lab.easyConnect, arguments + ["--json", "--data-dir", lab.dataDirectory(role), "--download-dir", lab.downloadDirectory(role)])
            return try lab.launch(role, ip, wrapped, environment: password)
        }
        func link(_ state: String) async throws {
            let r = try await NetworkNamespaces.run(["-n", hub, "link", "set", "v1", state])
            #expect(r.status == 0, "ip link set v1 \(state): \(r.stderr)")
        }
        func screenShows(_ text: String) -> (JSONLineProcess.Line) -> Bool {
            { line in
                guard case .array(let rows)? = line.object?["lines"] else { return false }
                return rows.contains { $0.stringValue?.contains(text) == true }
            }
        }

        let invitation = lab.scratch.path + "/help-me"
        let user = try start(
            "user", host: 0,
            ["invite", "--name", "Ursula", "--file", invitation, "--listen", net.ipv4(0), "--share-terminal", "--terminal-size", "80x24", "--command",
             "env PS1='$ ' bash --norc --noprofile"])
        _ = try await user.waitFor("invitation-file", seconds: 30)
        let helper = try start("helper", host: 1, ["help", "--name", "Hector", "--file", invitation + ".MsRcIncident"])
        _ = try await user.waitFor("consent-request", seconds: 30)
        user.send("accept")
        _ = try await user.waitFor("terminal-shared", seconds: 10)
        _ = try await helper.waitFor("screen", seconds: 10)
        helper.send("request-control")
        _ = try await user.waitFor("control-requested", seconds: 10)
        user.send("grant-control")
        _ = try await helper.waitFor("control-granted", seconds: 10)
        helper.send("keys", ["text": .string("echo one-$((40+2))\r")])
        _ = try await helper.waitFor("screen", seconds: 10, matching: screenShows("one-42"))

        // A brief drop: what the Helper types during it arrives once the link is back.
        try await link("down")
        try await Task.sleep(for: .seconds(1))
        helper.send("keys", ["text": .string("echo two-$((40+3))\r")])
        try await Task.sleep(for: .seconds(7))
        try await link("up")
        _ = try await helper.waitFor("screen", seconds: 20, matching: screenShows("two-43"))
        // The screen is whole: both lines, in order, and the session never ended.
        let (last, _) = try await helper.waitFor("screen", seconds: 5, matching: screenShows("two-43"))
        if case .array(let rows)? = last.object?["lines"] {
            let text = rows.compactMap(\.stringValue)
            let one = text.firstIndex { $0.contains("one-42") }, two = text.firstIndex { $0.contains("two-43") }
            #expect(one != nil && two != nil && one! < two!, "\(text)")
        }
        #expect(!user.report().contains("\"disconnected\"") && !helper.report().contains("\"disconnected\""))

        // A long drop: both sides give up after the silence limit and exit with connection-lost.
        try await link("down")
        let (ended, _) = try await helper.waitFor("disconnected", seconds: 40)
        #expect(ended.string("reason") == "connection-lost", "\(ended.text)")
        let (userEnded, _) = try await user.waitFor("disconnected", seconds: 40)
        #expect(userEnded.string("reason") == "connection-lost", "\(userEnded.text)")
        #expect(try await helper.waitForExit(seconds: 15) == 9)
        #expect(try await user.waitForExit(seconds: 15) == 9)

        // The User's session log is complete and says how it ended.
        let logs = lab.dataDirectory("user") + "/Remote Assistance Logs"
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.hasSuffix(".xml") }
        #expect(files.count == 1)
        let log = try String(contentsOfFile: logs + "/" + files[0], encoding: .utf8)
        for record in ["TERMINAL_SHARED", "EXPERT_CONTROL_STARTED", "CONNECTION_ENDED", "INVITATION_CLOSED", "</SESSION>"] {
            #expect(log.contains(record), "\(record) in \(log)")
        }
        #expect(log.contains("OUTCOME=\"connection-lost\""), "\(log)")
    }
}
