import ArgumentParser

/// The `pnrp` command: peer name tools and the in-memory cloud demo.
@main
struct PNRPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pnrp",
        abstract: "Peer Name Resolution Protocol ([MS-PNRP]) tools.",
        subcommands: [IDCommand.self, DemoCommand.self, BenchmarkCommand.self, NetworkBenchmarkCommand.self]
    )
}
