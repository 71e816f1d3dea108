import ArgumentParser

/// `easy-connect`: remote assistance over a PNRP cloud.
@main
struct EasyConnectTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "easy-connect", abstract: "Remote assistance over a PNRP cloud.")
}
