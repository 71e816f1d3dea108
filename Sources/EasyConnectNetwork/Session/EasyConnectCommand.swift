import EasyConnect

/// What the person asks a session to do (the `easy-connect` command reads them as slash commands or, with
/// `--json`, as one JSON object per line on standard input).
public enum EasyConnectCommand: Sendable, Hashable {
    /// User: allow the Helper being asked about (nil: the one being asked now).
    case accept(ConnectionID?)
    /// User: refuse the Helper being asked about.
    case decline(ConnectionID?)
    /// Send a chat message.
    case chat(String)
    /// Offer the file at `path` to the other side.
    case sendFile(path: String)
    /// Accept an offered file.
    case acceptFile(UInt32)
    /// Decline an offered file.
    case declineFile(UInt32)
    /// Cancel a transfer in either direction.
    case cancelFile(UInt32)
    /// Helper: ask for control.
    case requestControl
    /// User: give the Helper control.
    case grantControl
    /// User: refuse control.
    case denyControl
    /// Either: give up control.
    case giveUpControl
    /// User: the panic key.
    case panic
    /// User: hide the screen.
    case pause
    /// User: show it again.
    case resume
    /// User: send a screen update of the shared terminal (refused while paused, or while the link is
    /// backlogged: the caller sends a newer frame later).
    case terminalFrame(encoding: FrameEncoding, body: [UInt8])
    /// Helper: keystrokes for the User's shared terminal (Control Sharing only).
    case terminalInput([UInt8])
    /// Helper: the size of its window for the shared screen.
    case terminalWindow(TerminalSize)
    /// User: the shared terminal's program ended.
    case terminalClosed(String)
    /// End the session (or withdraw a waiting invitation).
    case disconnect
}

/// Why a command or a session start failed, with the exit status it maps to.
public enum EasyConnectError: Error, Sendable, CustomStringConvertible {
    /// The command does not fit the session now (wrong role, wrong state, unknown transfer …).
    case command(SessionCommandError)
    /// A file to send cannot be read.
    case file(String)
    /// The session could not start: the outcome says why.
    case failed(SessionOutcome)

    public var description: String {
        switch self {
        case .command(let e): e.description
        case .file(let why): why
        case .failed(let o): o.message
        }
    }
}
