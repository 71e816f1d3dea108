import Foundation
import ArgumentParser
import PNRP

/// `pnrp id NAME`: validates a peer name and prints its P2P ID.
struct IDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Validate a peer name and print its P2P ID.",
        discussion: """
            A peer name is AUTHORITY.CLASSIFIER ([MS-PNRP] 2.2.4). AUTHORITY is 0 for an unsecured name, \
            which anyone may publish, or the 40 lowercase hex digits of the SHA-1 of the owner's public key \
            for a secured name, which only the key's holder can publish. CLASSIFIER is everything after the \
            first '.': any text of 0 to 149 UTF-16 code units without NUL (a character outside the BMP \
            counts as two). Nothing is trimmed, case-folded or normalised.

            The P2P ID is the upper 128 bits of every PNRP ID registered for the name: the first 16 bytes \
            of SHA-1(ClassifierHash | BinaryAuthority | ClassifierHash | "PNRP"), where ClassifierHash is \
            the SHA-1 of the classifier's UTF-16LE code units ([MS-PNRP] 3.1.4.4.1).

            Output: the name on the first line, the 32 hex digits of the P2P ID on the second; with \
            --json, one object {"name", "secured", "p2pID"}.

            Examples:
              pnrp id 0.printer
              pnrp id 9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat --json

            Exit codes: 0 valid name, 2 invalid name (the rule it breaks is printed on stderr).
            """
    )

    @Argument(help: "The peer name, e.g. 0.printer")
    var name: String

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    func run() throws {
        let peerName: PeerName
        do {
            peerName = try PeerName(name)
        } catch {
            printError("pnrp id: invalid peer name '\(VisibleText.escaped(name))': \(error.description)")
            throw ExitStatus.badInput.exitCode
        }
        if json {
            print(#"{"name":\#(jsonString(peerName.description)),"secured":\#(peerName.isSecured),"p2pID":"\#(peerName.p2pID)"}"#)
        } else {
            print(VisibleText.escaped(peerName.description))
            print(peerName.p2pID.description)
        }
    }
}
