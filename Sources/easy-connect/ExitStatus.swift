import ArgumentParser
import EasyConnectNetwork

/// The exit codes of every `easy-connect` command, in one place. Codes 0, 1, 3 to 11 and 14 are a session's
/// `SessionOutcome.exitStatus`; 2, 12, 13 and 64 are the command's own.
enum ExitStatus: Int32, CaseIterable {
    /// The session (or the command) ended normally.
    case ok = 0
    /// An internal failure: a bug, a socket or file error.
    case internalError = 1
    /// Bad input: a malformed password or option value, an unusable directory or key file, an invalid
    /// settings file.
    case badInput = 2
    /// No invitation was found for the password.
    case notFound = 3
    /// Nobody answered in time (the consent question, the connection, a waiting invitation that expired).
    case timedOut = 4
    /// No PNRP cloud could be used to publish or look up the invitation, or the `pnrp node` holding a waiting
    /// invitation stopped.
    case noCloud = 5
    /// The password does not match the invitation (or an invitation file's password is wrong, or the file changed).
    case wrongPassword = 6
    /// The invitation was withdrawn after too many wrong passwords.
    case withdrawn = 7
    /// The other side refused: declined, busy with another helper, or cancelled.
    case refused = 8
    /// The connection was lost: the other side stopped or the network failed.
    case connectionLost = 9
    /// The invitation found, or the invitation file, had expired.
    case expired = 10
    /// The other side broke the protocol.
    case protocolError = 11
    /// Another invitation of this user is already waiting (`invite` only).
    case invitationWaiting = 12
    /// The settings (the system policy or the person's settings file) do not allow it: asking for help is
    /// turned off, or an option asks for more than they allow.
    case notAllowed = 13
    /// A contact proved a key other than the one its trust record holds (or the record itself is inconsistent).
    case keyMismatch = 14
    /// Command-line usage error (unknown option, missing or out-of-range value), reported by the argument parser.
    case usage = 64

    /// The code of a session's outcome.
    init(_ outcome: SessionOutcome) { self = ExitStatus(rawValue: outcome.exitStatus) ?? .internalError }

    /// The exit code to throw.
    var exitCode: ExitCode { ExitCode(rawValue) }

    /// The table printed in every `--help`.
    static let table = """
        Exit codes (all commands):
          0  ended normally (either side disconnected, or you cancelled)
          1  internal failure (socket or file error, bug)
          2  bad input (malformed password, unusable directory or key file, invalid settings file)
          3  no invitation found for the password
          4  timed out (consent unanswered, a handshake that never completed, invitation expired unused)
          5  no PNRP cloud to publish or look up the invitation (or its pnrp node stopped)
          6  wrong password (of an invitation file too, or the file was changed)
          7  invitation withdrawn after too many wrong passwords
          8  refused (declined, busy with another helper, cancelled)
          9  connection lost
          10 the invitation found (or the invitation file) had expired
          11 protocol error (the other side broke the protocol)
          12 another invitation is already waiting (invite)
          13 not allowed by the settings (policy or your settings file; see easy-connect settings)
          14 a contact's key does not match your contact record
          64 usage error (unknown option, missing or out-of-range value)
        """
}
