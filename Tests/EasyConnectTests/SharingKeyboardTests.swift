import EasyConnect
import NetworkLab
import Testing

/// What keys typed in a shared-terminal window mean: keystrokes for the program, the command key (Ctrl-])
/// and its letter, the panic key (a lone Esc, or Ctrl and a letter) during Control Sharing, and the chat line.
@Suite("SharingKeyboard: keystrokes, command key, panic key, chat line", .onComputeThread)
struct SharingKeyboardTests {
    static let esc: UInt8 = 0x1B
    static let command = SharingKeyboard.commandKey

    @Test("A lone Esc during Control Sharing is the panic key; outside it, a keystroke")
    func loneEscape() {
        var k = SharingKeyboard()
        #expect(k.interpret([Self.esc], panicArmed: true) == [.panic])
        #expect(k.interpret([Self.esc], panicArmed: false) == [.program([Self.esc])])
    }

    @Test("Esc arriving with the rest of a sequence (an arrow key) is a keystroke, even during control")
    func escapeSequences() {
        var k = SharingKeyboard()
        #expect(k.interpret(Array("\u{1B}[A".utf8), panicArmed: true) == [.program(Array("\u{1B}[A".utf8))])
        #expect(k.interpret([Self.esc, Self.esc], panicArmed: true) == [.panic], "Esc pressed twice quickly is still the panic key")
        #expect(k.interpret([Self.esc, Self.esc], panicArmed: false) == [.program([Self.esc, Self.esc])])
        #expect(k.interpret(Array("ls\r".utf8), panicArmed: true) == [.program(Array("ls\r".utf8))])
    }

    @Test("Command key then e sends a literal Esc; command key twice sends the command key")
    func literalKeys() {
        var k = SharingKeyboard()
        #expect(k.interpret([Self.command, UInt8(ascii: "e")], panicArmed: true) == [.program([Self.esc])])
        #expect(k.interpret([Self.command, Self.command], panicArmed: true) == [.program([Self.command])])
        #expect(k.interpret(Array("a".utf8) + [Self.command, UInt8(ascii: "e")] + Array("b".utf8), panicArmed: false) == [.program([0x61, Self.esc, 0x62])])
    }

    @Test("Command key then a letter is a command, between the keystrokes around it")
    func commands() {
        var k = SharingKeyboard()
        #expect(k.interpret([Self.command, UInt8(ascii: "y")], panicArmed: false) == [.command(UInt8(ascii: "y"))])
        #expect(k.interpret(Array("ab".utf8) + [Self.command, UInt8(ascii: "q")] + Array("cd".utf8), panicArmed: true) == [
            .program(Array("ab".utf8)), .command(UInt8(ascii: "q")), .program(Array("cd".utf8)),
        ])
        // After the command key, even Esc is the command's letter, not the panic key.
        #expect(k.interpret([Self.command, Self.esc], panicArmed: true) == [.command(Self.esc)])
    }

    @Test("The command key and its letter may come in two reads")
    func splitAcrossReads() {
        var k = SharingKeyboard()
        #expect(k.interpret([Self.command], panicArmed: true).isEmpty)
        #expect(k.interpret([UInt8(ascii: "y")], panicArmed: true) == [.command(UInt8(ascii: "y"))])
        #expect(k.interpret([Self.command], panicArmed: true).isEmpty)
        #expect(k.interpret([Self.esc], panicArmed: true) == [.panic], "the panic key wins over a pending command key")
        #expect(k.interpret([UInt8(ascii: "y")], panicArmed: true) == [.program([UInt8(ascii: "y")])], "and the command key is forgotten")
        #expect(k.interpret([Self.command], panicArmed: false).isEmpty)
        #expect(k.interpret([Self.esc], panicArmed: false) == [.command(Self.esc)], "without control, a lone Esc after the command key is its letter")
        #expect(k.interpret(Array("ab".utf8) + [Self.command], panicArmed: false) == [.program(Array("ab".utf8))])
        #expect(k.interpret([UInt8(ascii: "e"), UInt8(ascii: "x")], panicArmed: false) == [.program([Self.esc, UInt8(ascii: "x")])])
        // And the state does not leak: the next Esc alone is the panic key again.
        #expect(k.interpret([Self.esc], panicArmed: true) == [.panic])
    }

    @Test("A Ctrl-letter panic key is found anywhere in a read, during control only; Esc is then a keystroke")
    func controlLetterPanicKey() throws {
        var k = SharingKeyboard(panicKey: try #require(SharingKeyboard.PanicKey("ctrl-q")))
        #expect(k.interpret([0x61, 0x11, 0x62], panicArmed: true) == [.program([0x61]), .panic, .program([0x62])])
        #expect(k.interpret([0x61, 0x11, 0x62], panicArmed: false) == [.program([0x61, 0x11, 0x62])])
        #expect(k.interpret([Self.esc], panicArmed: true) == [.program([Self.esc])])
        var none = SharingKeyboard(panicKey: .none)
        #expect(none.interpret([Self.esc], panicArmed: true) == [.program([Self.esc])])
    }

    @Test("Chat line: UTF-8 typed byte by byte, backspace removes a whole character, Enter sends")
    func chatEditing() {
        var k = SharingKeyboard()
        k.startChat()
        #expect(k.isTypingChat)
        #expect(k.interpret(Array("hé".utf8), panicArmed: true) == [.chatEdited("h"), .chatEdited("h\u{FFFD}"), .chatEdited("hé")])
        #expect(k.interpret([0x7F], panicArmed: true) == [.chatEdited("h")])
        #expect(k.interpret(Array("漢".utf8) + [0x08], panicArmed: true).last == .chatEdited("h"))
        #expect(k.interpret([0x7F, 0x7F], panicArmed: true) == [.chatEdited(""), .chatEdited("")], "backspace on an empty line")
        #expect(k.interpret(Array("ok".utf8) + [0x01], panicArmed: true) == [.chatEdited("o"), .chatEdited("ok")], "other controls are ignored")
        #expect(k.interpret([0x0D] + Array("ls".utf8), panicArmed: true) == [.chatSend("ok")], "what follows Enter in the same read is not typed")
        #expect(!k.isTypingChat)
    }

    @Test("Chat line: Esc and Ctrl-C cancel; during control Esc also ends control (the panic key comes first); arrow keys are ignored; Enter on an empty line cancels")
    func chatCancelling() {
        var k = SharingKeyboard()
        for cancel: UInt8 in [Self.esc, 0x03] {
            k.startChat()
            _ = k.interpret(Array("hi".utf8), panicArmed: false)
            #expect(k.interpret([cancel], panicArmed: false) == [.chatCancelled])
            #expect(!k.isTypingChat)
        }
        k.startChat()
        _ = k.interpret(Array("stop".utf8), panicArmed: true)
        #expect(k.interpret([Self.esc], panicArmed: true) == [.chatCancelled, .panic])
        #expect(!k.isTypingChat)
        k.startChat()
        #expect(k.interpret(Array("\u{1B}[A".utf8), panicArmed: true).isEmpty, "an arrow key on the chat line neither cancels it nor types [A")
        #expect(k.isTypingChat)
        var g = SharingKeyboard(panicKey: .control(7))
        g.startChat()
        #expect(g.interpret(Array("a".utf8) + [7], panicArmed: true) == [.chatEdited("a"), .chatCancelled, .panic], "a Ctrl-letter panic key works on the chat line")
        k.startChat()
        #expect(k.interpret([0x0D], panicArmed: true) == [.chatCancelled])
        // A chat line is at most maximumChatBytes long.
        k.startChat()
        let actions = k.interpret([UInt8](repeating: 0x61, count: SessionMessage.maximumChatBytes + 10) + [0x0D], panicArmed: false)
        #expect(actions.last == .chatSend(String(repeating: "a", count: SessionMessage.maximumChatBytes)))
    }

    @Test("Panic key settings: esc, escape, none, ctrl-letter (not Enter, Tab or non-letters)")
    func panicKeyParsing() {
        #expect(SharingKeyboard.PanicKey("esc") == .escape)
        #expect(SharingKeyboard.PanicKey("Escape") == .escape)
        #expect(SharingKeyboard.PanicKey("none") == SharingKeyboard.PanicKey.none)
        #expect(SharingKeyboard.PanicKey("ctrl-q") == .control(0x11))
        #expect(SharingKeyboard.PanicKey("CTRL-A") == .control(0x01))
        #expect(SharingKeyboard.PanicKey("ctrl-z") == .control(0x1A))
        for bad in ["ctrl-m", "ctrl-i", "ctrl-]", "ctrl-1", "ctrl-", "ctrl-ab", "alt-q", "", "q", "ctrl-é"] {
            #expect(SharingKeyboard.PanicKey(bad) == nil, "\(bad)")
        }
        #expect(SharingKeyboard.PanicKey.control(0x11).name == "Ctrl-Q")
        #expect(SharingKeyboard.PanicKey.escape.name == "Esc")
        #expect(SharingKeyboard.PanicKey.none.name == "none")
        for key in [SharingKeyboard.PanicKey.escape, .none, .control(0x01), .control(0x1A)] {
            #expect(SharingKeyboard.PanicKey(key.name) == key, "\(key.name) reads back")
        }
    }
}
