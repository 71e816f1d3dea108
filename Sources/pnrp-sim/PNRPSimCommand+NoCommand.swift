import ArgumentParser
import Foundation

extension PNRPSimCommand {
    /// `pnrp-sim` without a command: the help on stderr and exit code 64 (usage), so that a script that
    /// forgot the command does not take the run for a success.
    func run() throws {
        FileHandle.standardError.write(Data((Self.helpMessage() + "\n").utf8))
        throw ExitCode(64)
    }
}
