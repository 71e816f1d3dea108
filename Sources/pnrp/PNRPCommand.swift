import ArgumentParser
import PNRP

/// The `pnrp` command: the node daemon, its client commands, peer name tools and the in-memory demo.
@main
struct PNRPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pnrp",
        abstract: "Peer Name Resolution Protocol ([MS-PNRP]) node and tools.",
        discussion: """
            Run a node, then talk to it from another terminal:
              pnrp node --seed 192.0.2.1:3540
              pnrp register 0.printer --port 631
              pnrp resolve 0.printer

            A secured name is the node's authority and a classifier; `register --secured` takes the \
            classifier and prints the whole name, which is what others resolve:
              pnrp register chat --secured --port 5222
              pnrp resolve "$(pnrp identity show --authority).chat"

            Every client command finds the node through the control socket in its state directory \
            (--state-dir, default $XDG_STATE_HOME/pnrp or ~/.local/state/pnrp).

            \(ExitStatus.table)
            """,
        version: PackageVersion.current,
        subcommands: [
            NodeCommand.self, RegisterCommand.self, UnregisterCommand.self, ResolveCommand.self, CacheCommand.self, CloudsCommand.self,
            StatusCommand.self, StopCommand.self, IdentityCommand.self, IDCommand.self, DemoCommand.self, BenchmarkCommand.self, NetworkBenchmarkCommand.self,
            RelayBenchmarkCommand.self,
        ]
    )
}
