import ArgumentParser

/// `easy-connect`: Windows Remote Assistance's Easy Connect over a PNRP cloud. The User runs `invite` and
/// reads the password shown to the Helper, who runs `help`.
@main
struct EasyConnectTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "easy-connect",
        abstract: "Remote assistance over a PNRP cloud (Easy Connect): chat, files, shared control.",
        discussion: """
            The person who needs help runs `easy-connect invite` and reads the 12-character password it shows \
            to their helper, by phone for example; the helper runs `easy-connect help` and types it. The \
            invitation is found through PNRP (a running `pnrp node`, else a node embedded in the command), the \
            password is proven without being sent, and the person is asked whether to let the helper in. Then \
            both can chat and send files; the helper can ask for control, which the person can take back at \
            any time (Esc, the panic key).

              easy-connect invite          # the person who needs help
              easy-connect help            # the helper; asks for the password
              easy-connect identity show   # your key's fingerprint and contact address
              easy-connect settings        # the settings in force and where each comes from
              easy-connect logs            # the logs of your past sessions
              easy-connect contacts        # the people you helped or were helped by: help again without a password
              easy-connect invite --contact ADDRESS | help --contact ADDRESS   # a contact, no password
              easy-connect invite --file PATH | help --file PATH                # an invitation file
              easy-connect listen | offer ADDRESS|HOST                          # offers of help, as the settings allow

            Each side keeps its key in the data directory (--data-dir, default $XDG_DATA_HOME/easy-connect or \
            ~/.local/share/easy-connect). `easy-connect invite --help` and `easy-connect help --help` list the \
            commands you can type during a session; --json makes both scriptable (README.md, "easy-connect"). \
            An administrator's policy (/etc/easy-connect/policy.conf) and your settings file can fix rules such \
            as view-only sessions; `easy-connect settings --help` describes them.

            \(ExitStatus.table)
            """,
        subcommands: [
            InviteCommand.self, OfferHelpCommand.self, ListenCommand.self, OfferCommand.self, ContactsCommand.self, LogsCommand.self, SettingsCommand.self,
            IdentityCommand.self, BenchmarkGroup.self,
        ]
    )

    /// Tunes the allocator for file transfers, then parses the command line and runs the command.
    static func main() async {
        MemoryTuning.apply()
        await main(nil)
    }
}
