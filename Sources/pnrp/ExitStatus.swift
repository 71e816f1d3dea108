import ArgumentParser
import PNRPNetwork

/// The exit codes of every `pnrp` command, in one place.
enum ExitStatus: Int32, CaseIterable {
    /// Success.
    case ok = 0
    /// An internal failure: a bug, a socket error, a node that is stopping.
    case failure = 1
    /// Bad input: an invalid name, cloud, value or setting (on the command line or in a config file), or a
    /// refused request.
    case badInput = 2
    /// The name is not found (not published in the cloud, or not registered on this node).
    case notFound = 3
    /// No answer within the time limit.
    case timeout = 4
    /// No node is running for the state directory.
    case noDaemon = 5
    /// `pnrp node`: another node already runs with the state directory.
    case alreadyRunning = 6
    /// Command-line usage error (no command, unknown option, missing argument), reported by the argument
    /// parser; a value that is there but invalid is `badInput`.
    case usage = 64

    /// The code for a control error.
    init(_ kind: ControlError.Kind) {
        switch kind {
        case .internal: self = .failure
        case .badInput: self = .badInput
        case .notFound: self = .notFound
        case .timeout: self = .timeout
        case .noDaemon: self = .noDaemon
        }
    }

    /// The exit code to throw.
    var exitCode: ExitCode { ExitCode(rawValue) }

    /// The table printed in `pnrp --help`.
    static let table = """
        Exit codes (all commands):
          0  success
          1  internal failure (socket error, node stopping, bug)
          2  bad input (invalid name, cloud, value or setting, as an option or in a
             config file; a request the node refused)
          3  not found (nobody publishes the name; not registered on this node)
          4  timeout (no answer within --timeout)
          5  no node is running for the state directory
          6  pnrp node: another node is already running with the state directory
          64 usage error (no command, unknown option, missing argument)
        """
}
