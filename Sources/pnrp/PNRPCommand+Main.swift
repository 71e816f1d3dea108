import ArgumentParser
import Foundation
import PNRP

extension PNRPCommand {
    /// The entry point. Before parsing, every argument must be UTF-8 text: the system hands over bytes, and
    /// a byte that is not UTF-8 would otherwise become U+FFFD silently, turning `0.\xff` into another,
    /// valid name. After parsing, exit codes follow the README's table: a value that is invalid (of the
    /// wrong type, or refused by a command's checks) is bad input (2), as the same value in a config file
    /// is; only a command line of the wrong shape (unknown option, missing argument, no command) is a
    /// usage error (64).
    static func main() async {
        let raw = RawArguments.current()
        if let refusal = RawArguments.nonUTF8Refusal(raw) {
            printError("pnrp: \(refusal)")
            Foundation.exit(ExitStatus.badInput.rawValue)
        }
        do {
            var command = try parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == ExitCode.validationFailure, ArgumentFailure.isBadValue(error) {
                let message = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false).map { VisibleText.escaped(String($0)) }
                FileHandle.standardError.write(Data((message.joined(separator: "\n") + "\n").utf8))
                Foundation.exit(ExitStatus.badInput.rawValue)
            }
            exit(withError: error)
        }
    }

    /// `pnrp` without a command: the help on stderr, and the usage exit code (a script that forgot the
    /// command must not take the run for a success).
    func run() async throws {
        FileHandle.standardError.write(Data((Self.helpMessage() + "\n").utf8))
        throw ExitStatus.usage.exitCode
    }
}

/// The command line as the system handed it over: bytes, before any decoding.
enum RawArguments {
    /// Every argument after the program name.
    static func current() -> [[UInt8]] {
        let argv = CommandLine.unsafeArgv
        return (1..<Int(CommandLine.argc)).map { i in
            guard let pointer = argv[i] else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
    }

    /// A sentence naming the first argument that is not UTF-8 and where, or nil when all are.
    static func nonUTF8Refusal(_ arguments: [[UInt8]]) -> String? {
        for (index, bytes) in arguments.enumerated() {
            guard let offset = VisibleText.firstInvalidUTF8Offset(bytes) else { continue }
            return "argument \(index + 1) '\(VisibleText.escaped(utf8: bytes))' is not UTF-8 text (byte 0x\(String(bytes[offset], radix: 16)) at offset \(offset)); "
                + "peer names, payloads and paths must be given in UTF-8 (check the terminal's or the script's encoding)"
        }
        return nil
    }
}

/// How the argument parser classifies its failures, which it does not make public.
enum ArgumentFailure {
    /// True when `error` is about a value (one that does not convert to the option's type, or that a
    /// command's `validate()` refused) rather than about the shape of the command line.
    static func isBadValue(_ error: any Error) -> Bool {
        guard let parserError = Mirror(reflecting: error).children.first(where: { $0.label == "parserError" })?.value else { return false }
        let kind = Mirror(reflecting: parserError).children.first?.label
        return kind == "unableToParseValue" || kind == "userValidationError"
    }
}
