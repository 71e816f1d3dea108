/// What the keys typed in a shared-terminal window mean: keystrokes for the shared program, the command
/// key (Ctrl-] by default, as telnet's escape) and the letter after it, the User's panic key, and the chat
/// line typed in the status line. Pure logic: the driver feeds what it reads from the terminal.
///
/// The panic key ends Control Sharing and is swallowed, whatever else is going on (a chat line being typed,
/// a command key pressed just before): it comes first. Esc, the default (as in Windows), counts when a read
/// holds Esc alone (or only Escs, pressed quickly): arrow and function keys also start with Esc but arrive
/// as one read with the rest of their sequence. Command key then `e` sends a literal Esc; the command key
/// twice sends the command key. On the chat line, an escape sequence (an arrow key) is ignored, and what
/// follows Enter or Esc in the same read is dropped rather than typed into the program.
public struct SharingKeyboard: Sendable {
    /// What some keys mean.
    public enum Action: Hashable, Sendable {
        /// Bytes for the shared program (or, on a Helper without control, keys it would send).
        case program([UInt8])
        /// The command key then this byte (`y`, `n`, `t`, `p`, `c`, `q`, `r`, `g`, `?` …).
        case command(UInt8)
        /// The panic key, during Control Sharing.
        case panic
        /// The chat line being typed changed (shown in the status line).
        case chatEdited(String)
        /// Enter on the chat line: send it.
        case chatSend(String)
        /// Esc or Ctrl-C on the chat line: drop it.
        case chatCancelled
    }

    /// The panic key (the `panic-key` setting).
    public enum PanicKey: Hashable, Sendable {
        /// Esc pressed alone.
        case escape
        /// Ctrl and a letter (the byte 1…26).
        case control(UInt8)
        /// No panic key (take control back with the command key then `t`).
        case none

        /// Reads `esc`, `ctrl-X` (a letter) or `none`.
        public init?(_ text: String) {
            let t = text.lowercased()
            if t == "esc" || t == "escape" {
                self = .escape
            } else if t == "none" {
                self = .none
            } else if t.hasPrefix("ctrl-"), t.count == 6, let c = t.last?.asciiValue, (0x61...0x7A).contains(c), c != 0x6D, c != 0x69, c != 0x5D {
                self = .control(c - 0x60)  // not Ctrl-M (Enter) nor Ctrl-I (Tab)
            } else {
                return nil
            }
        }

        /// How a settings file writes the key: `esc`, `ctrl-g`, `none`.
        public var settingText: String {
            switch self {
            case .escape: "esc"
            case .control(let b): "ctrl-\(Character(UnicodeScalar(b + 0x60)))"
            case .none: "none"
            }
        }

        /// How the key is shown on screen.
        public var name: String {
            switch self {
            case .escape: "Esc"
            case .control(let b): "Ctrl-\(Character(UnicodeScalar(b + 0x40)))"
            case .none: "none"
            }
        }
    }

    /// The command key's byte: Ctrl-] (0x1D).
    public static let commandKey: UInt8 = 0x1D
    /// The panic key.
    public var panicKey: PanicKey
    private var afterCommandKey = false
    private var chat: [UInt8]?

    /// A keyboard with `panicKey`.
    public init(panicKey: PanicKey = .escape) { self.panicKey = panicKey }

    /// True while a chat line is being typed.
    public var isTypingChat: Bool { chat != nil }

    /// Starts typing a chat line (after the command key and `c`).
    public mutating func startChat() {
        chat = []
    }

    /// What `chunk` (one read from the terminal) means. `panicArmed`: Control Sharing is on, so the panic
    /// key counts.
    public mutating func interpret(_ chunk: [UInt8], panicArmed: Bool) -> [Action] {
        var actions: [Action] = []
        var pending: [UInt8] = []
        func flush() {
            if !pending.isEmpty { actions.append(.program(pending)) }
            pending = []
        }
        if panicArmed, panicKey == .escape, !chunk.isEmpty, chunk.allSatisfy({ $0 == 0x1B }) {
            let cancelled = chat != nil
            chat = nil
            afterCommandKey = false
            return cancelled ? [.chatCancelled, .panic] : [.panic]
        }
        var index = 0
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            if panicArmed, case .control(let b) = panicKey, byte == b {
                flush()
                if chat != nil {
                    chat = nil
                    actions.append(.chatCancelled)
                }
                afterCommandKey = false
                actions.append(.panic)
                continue
            }
            if chat != nil {
                flush()
                if byte == 0x1B, index < chunk.count {
                    break  // an escape sequence (an arrow key) on the chat line: ignored, with the rest of the read
                }
                if let action = editChat(byte) {
                    actions.append(action)
                    if chat == nil { break }  // sent or cancelled: the rest of this read is not typed into the program
                }
                continue
            }
            if afterCommandKey {
                afterCommandKey = false
                switch byte {
                case Self.commandKey: pending.append(Self.commandKey)
                case UInt8(ascii: "e"): pending.append(0x1B)
                default:
                    flush()
                    actions.append(.command(byte))
                }
                continue
            }
            if byte == Self.commandKey {
                afterCommandKey = true
                continue
            }
            pending.append(byte)
        }
        flush()
        return actions
    }

    private mutating func editChat(_ byte: UInt8) -> Action? {
        switch byte {
        case 0x0D, 0x0A:
            let text = String(decoding: chat ?? [], as: UTF8.self)
            chat = nil
            return text.isEmpty ? .chatCancelled : .chatSend(text)
        case 0x1B, 0x03:
            chat = nil
            return .chatCancelled
        case 0x7F, 0x08:
            // Remove the last character (a UTF-8 lead byte and its continuation bytes).
            while let last = chat?.popLast(), last & 0xC0 == 0x80 {}
        case 0x20...0x7E, 0x80...0xFF:
            if (chat?.count ?? 0) < SessionMessage.maximumChatBytes { chat?.append(byte) }
        default:
            return nil
        }
        return .chatEdited(String(decoding: chat ?? [], as: UTF8.self))
    }
}
