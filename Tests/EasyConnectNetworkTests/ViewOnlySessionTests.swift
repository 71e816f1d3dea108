import EasyConnectNetwork
import Foundation
import Testing

/// `control = view-only` in a real session: an `invite` process whose policy makes sessions view-only, a
/// `help` process asking for control, both over `pnrp node` daemons on loopback.
@Suite("easy-connect end to end: view-only settings", .timeLimit(.minutes(3)))
struct ViewOnlySessionTests {
    @Test("View-only: every request for control is denied at once, both sides are told why, and the session goes on")
    func controlDenied() async throws {
        let lab = try EasyConnectLab("e2e-view-only")
        defer { lab.cleanup() }
        try await lab.startDaemons(2)
        let policy = try lab.scratch.file("policy.conf", Array("# view only\ncontrol = view-only\n".utf8))
        let user = try lab.invite(["--policy-file", policy])
        let helper = try lab.help(try await user.password())
        try await user.waitFor("consent-request")
        user.send("accept")
        try await user.waitFor("connected")
        try await helper.waitFor("connected")

        for round in 0..<2 {
            let userFrom = user.output.count, helperFrom = helper.output.count
            helper.send("request-control")
            try await user.waitFor("control-requested", from: userFrom)
            let (denied, _) = try await user.waitFor("control-denied", from: userFrom)
            #expect(denied.string("by") == "settings")
            let reason = try #require(denied.string("reason"))
            #expect(reason.contains("view-only sessions") && reason.contains("\(policy):2"), "\(reason)")
            try await helper.waitFor("control-denied", from: helperFrom)
            let (told, _) = try await helper.waitFor("chat", from: helperFrom)
            let text = try #require(told.string("text"))
            #expect(text.contains("refused") && text.contains("view-only sessions"), "\(text)")
            #expect(!text.contains(policy), "the helper is not told local paths")
            #expect(!user.events[userFrom...].contains("control-granted") && !helper.events[helperFrom...].contains("control-granted"), "round \(round)")
        }
        // The User cannot grant what was never pending; the session is intact: chat still flows.
        user.send("chat", ["text": .string("still here")])
        let (chat, _) = try await helper.waitFor("chat") { $0.string("text") == "still here" }
        #expect(chat.string("from") == "Ursula")

        helper.send("disconnect")
        #expect(try await helper.waitForExit(seconds: 20) == 0, "\(helper.report())")
        #expect(try await user.waitForExit(seconds: 20) == 0, "\(user.report())")
    }
}
