import Foundation
import Testing

/// `easy-connect help COMMAND [SUBCOMMAND]` shows the help of that command, as the argument parser's own
/// footer ("See 'easy-connect help logs <subcommand>'") promises.
@Suite("easy-connect help COMMAND SUBCOMMAND")
struct CLIHelpPathTests {
    @Test("Every word path of the command tree gives the help of that command", arguments: [
        (["help", "logs", "show"], "Print one session log"), (["help", "contacts", "remove"], "Remove a contact"), (["help", "contacts", "list"], "List the contacts"),
        (["help", "identity", "create"], "Create a new key"), (["help", "settings", "check"], "settings"), (["help", "listen"], "offer help"),
        (["help", "offer"], "Offer help"),
    ])
    func paths(_ arguments: [String], _ expected: String) async throws {
        let scratch = try EasyConnectProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let run = try await EasyConnectProcess.run(arguments, scratch: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.lowercased().contains(expected.lowercased()), "\(arguments): \(run.stdout.prefix(200))")
    }
}
