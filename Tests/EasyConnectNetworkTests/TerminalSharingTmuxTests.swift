import Foundation
import Testing

/// Terminal sharing end to end, as people use it: the User's `easy-connect invite --share-terminal` and the
/// Helper's `easy-connect help`, each in a tmux window of its own, driven with tmux `send-keys` and read with
/// `capture-pane`. The shared rows of both windows are compared cell by cell, colours and attributes
/// included; the status lines, the program's behaviour and the session logs show what each key did.
@Suite(
    "Terminal sharing in tmux windows (TerminalSharing)", .serialized,
    .enabled(if: TmuxPair.isAvailable, "tmux or bash is not installed: these tests drive easy-connect in tmux windows, sharing bash"),
    .timeLimit(.minutes(2)))
struct TerminalSharingTmuxTests {
    /// The Helper asks for control and the User allows it.
    static func grantControl(_ pair: TmuxPair) async throws {
        try await pair.command(.helper, "r")
        try await pair.waitFor(.user, 5, "the Helper's request for control") { pair.statusLine(of: $0, .user).contains("asks for control") }
        try await pair.command(.user, "y")
        try await pair.waitFor(.helper, 5, "control granted") { pair.statusLine(of: $0, .helper).contains("you have control") }
        try await pair.waitFor(.user, 5, "control shared") { pair.statusLine(of: $0, .user).contains("Helper shares control") }
    }

    /// True when some row of `screen` is exactly `line` (trailing blanks aside).
    static func hasRow(_ screen: String, _ line: String) -> Bool {
        TmuxPair.rows(screen).contains { $0.trimmingCharacters(in: .whitespaces) == line }
    }

    /// Checks for `seconds` that `pane` never shows `text` (polling every 50 ms).
    static func neverShows(_ pair: TmuxPair, _ pane: TmuxPair.Pane, _ text: String, seconds: Double) async throws {
        let appeared = try await pair.waitUntil(seconds, "", throwing: false) { try await pair.capture(pane).contains(text) }
        if appeared { throw TestFailure("the \(pane)'s screen shows \(text)\n\(pair.report())") }
    }

    @Test("The screen comparison: cells that look the same are equal whatever codes tmux prints after them; a colour, an attribute or a coloured blank tells cells apart")
    func cellComparison() {
        func same(_ a: String, _ b: String) -> Bool { TmuxPair.cells(rows: [a], columns: 8) == TmuxPair.cells(rows: [b], columns: 8) }
        let e = "\u{1B}["
        // tmux prints a row's codes relative to the end of the row above.
        #expect(TmuxPair.cells(rows: ["\(e)94m~", "~"], columns: 2) == TmuxPair.cells(rows: ["\(e)94m~\(e)39m", "\(e)94m~"], columns: 2))
        #expect(TmuxPair.cells(rows: ["\(e)94m~", "~"], columns: 2) != TmuxPair.cells(rows: ["\(e)94m~\(e)39m", "~"], columns: 2))
        #expect(same("\(e)1m\(e)39m-- \(e)0m\(e)39m\(e)49m", "\(e)1m\(e)39m-- "))
        #expect(same("\(e)1mab\(e)0m    ", "\(e)1mab"))
        #expect(same("\(e)1;31ma\(e)22mb", "\(e)1m\(e)31ma\(e)0m\(e)31mb"))
        #expect(same("ab", "ab\(e)44m"))
        #expect(!same("ab", "ab\(e)44m  "), "a blank with a background colour is a cell")
        #expect(!same("\(e)1mab", "ab"))
        #expect(!same("\(e)31mab", "\(e)32mab"))
        #expect(!same("\(e)38;5;208mab", "\(e)38;5;209mab"))
        #expect(!same("\(e)48;2;1;2;3mab", "\(e)48;2;1;2;4mab"))
        #expect(!same("\(e)4mab", "\(e)4:3mab"))
        #expect(!same("\(e)7ma", "\(e)5ma"))
        #expect(!same("abc", "abd"))
        #expect(same("abcdefgh-cut", "abcdefgh"), "only the shared columns count")
    }

    @Test("Typing and echo: the User's keys reach the shell and both windows show the same screen; the Helper's keys before consent and without control reach nothing")
    func typingAndEcho() async throws {
        let pair = try TmuxPair("echo")
        defer { pair.tearDown() }
        try await pair.start(sessionLog: false) {
            // Keys of the Helper while the User has not let it in yet: a whole line, then a line not ended.
            try await pair.type(.helper, "echo typed-before-consent")
            try await pair.send(.helper, "Enter")
            try await pair.type(.helper, "echo half-typed-before-consent")
        }
        let before = try await pair.sharedRows(.user)

        try await pair.type(.helper, "echo typed-without-control")
        try await pair.send(.helper, "Enter")
        try await pair.waitFor(.helper, 5, "the view-only notice") { pair.statusLine(of: $0, .helper).contains("View only") }
        try await Self.neverShows(pair, .user, "typed-", seconds: 0.7)
        #expect(try await pair.sharedRows(.user) == before, "the Helper's keys without control changed the User's screen\n\(pair.report())")
        #expect(try await pair.status(.user).contains("Helper watches"))

        try await pair.type(.user, "echo hello $((6*7))")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "the shell's answer") { Self.hasRow($0, "hello 42") }
        try await pair.waitFor(.helper, 5, "the shell's answer") { Self.hasRow($0, "hello 42") }
        try await pair.waitForEqualScreens(3)
        let shown = try await pair.sharedText(.helper)
        #expect(shown.prefix(3).map { $0.trimmingCharacters(in: .whitespaces) } == ["$ echo hello $((6*7))", "hello 42", "$"], "\(shown)")
        #expect(!(try await pair.capture(.user)).contains("typed-"), "\(pair.report())")
    }

    @Test(
        "Control hand-over: the Helper asks, the User allows, the Helper edits in vi (alternate screen) and quits; both windows stay equal",
        .enabled(if: TmuxPair.program("vi") != nil, "vi is not installed"))
    func controlHandOverWithVi() async throws {
        let pair = try TmuxPair("vi")
        defer { pair.tearDown() }
        try await pair.start(sessionLog: false)
        try await Self.grantControl(pair)

        let file = pair.scratch.path + "/note.txt"
        try await pair.type(.helper, "vi -u NONE -i NONE -N -n \(file)")
        try await pair.send(.helper, "Enter")
        try await pair.waitFor(.user, 8, "vi's empty buffer") { TmuxPair.rows($0).dropFirst().prefix(3).allSatisfy { $0.hasPrefix("~") } }
        try await pair.type(.helper, "ihello vim")
        try await pair.waitFor(.user, 5, "the typed text on the first row") { TmuxPair.rows($0).first == "hello vim" }
        try await pair.waitFor(.helper, 5, "the typed text on the first row") { TmuxPair.rows($0).first == "hello vim" }
        try await pair.waitForEqualScreens(3)
        #expect(!(try await pair.capture(.helper)).contains("$ vi -u"), "vi is not on the alternate screen")

        // Esc from the Helper is an ordinary key: it leaves insert mode.
        try await pair.send(.helper, "Escape")
        try await pair.waitFor(.helper, 5, "the end of insert mode") { !$0.contains("-- INSERT --") }
        try await pair.type(.helper, ":q!")
        try await pair.send(.helper, "Enter")
        for pane in [TmuxPair.Pane.user, .helper] {
            try await pair.waitFor(pane, 5, "the shell's screen again") { screen in
                let rows = TmuxPair.rows(screen)
                return rows.count > 1 && rows[0].hasPrefix("$ vi -u NONE") && rows[1] == "$"
            }
        }
        try await pair.waitForEqualScreens(3)
        #expect(try await pair.status(.helper).contains("you have control"))
        #expect(try await pair.status(.user).contains("Helper shares control"))
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test("Panic key: Esc alone ends Control Sharing at once on both sides and never reaches the shell; Ctrl-] e types a literal Esc")
    func panicKey() async throws {
        let pair = try TmuxPair("panic")
        defer { pair.tearDown() }
        try await pair.start()
        try await Self.grantControl(pair)

        try await pair.type(.user, "echo ab")
        try await pair.waitFor(.helper, 5, "the half-typed line") { $0.contains("$ echo ab") }
        try await pair.send(.user, "Escape")
        try await pair.waitFor(.user, 5, "the panic notice") { pair.statusLine(of: $0, .user).contains("Panic key: control taken back") }
        try await pair.waitFor(.helper, 5, "the panic notice") { pair.statusLine(of: $0, .helper).contains("pressed the panic key") }
        #expect(try await pair.status(.user).contains("Helper watches"))
        #expect(try await pair.status(.helper).contains("view only"))
        // Had Esc reached readline, Esc c would capitalise a word instead of typing `c`.
        try await pair.type(.user, "c")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "the shell's answer") { Self.hasRow($0, "abc") }
        #expect(Self.hasRow(try await pair.capture(.user), "$ echo abc"), "\(pair.report())")

        // The Helper's keys reach nothing any more.
        try await pair.type(.helper, "echo after-panic")
        try await pair.send(.helper, "Enter")
        try await pair.waitFor(.helper, 5, "the view-only notice") { pair.statusLine(of: $0, .helper).contains("View only") }
        try await Self.neverShows(pair, .user, "after-panic", seconds: 0.7)
        for pane in [TmuxPair.Pane.user, .helper] {
            let records = try await pair.waitForLog(pane, 5, holding: ["EXPERT_CONTROL_ENDED(panic-key)"])
            #expect(!records.contains("EXPERT_INPUT_IGNORED"), "the Helper sent keys without control: \(records)")
        }

        // In Control Sharing again, Ctrl-] e sends Esc to the program (and is no panic): `cat -v` shows ^[.
        try await Self.grantControl(pair)
        try await pair.type(.user, "stty -echo; cat -v; stty echo")
        try await pair.send(.user, "Enter")
        try await Task.sleep(for: .milliseconds(300))
        try await pair.command(.user, "e")
        try await pair.type(.user, "x")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "cat's ^[x") { Self.hasRow($0, "^[x") }
        try await pair.waitFor(.helper, 5, "cat's ^[x") { Self.hasRow($0, "^[x") }
        #expect(try await pair.status(.user).contains("Helper shares control"))
        #expect(try await pair.status(.helper).contains("you have control"))
        try await pair.send(.user, "C-d")
        try await pair.waitFor(.user, 5, "the prompt after cat") { TmuxPair.rows($0).prefix(pair.sharedSize.rows).last { !$0.isEmpty } == "$" }
        try await pair.waitForEqualScreens(3)
        #expect(pair.logRecords(.user).filter { $0.hasPrefix("EXPERT_CONTROL_ENDED") } == ["EXPERT_CONTROL_ENDED(panic-key)"])
    }

    @Test("Another panic key: with --panic-key ctrl-g, Ctrl-G ends Control Sharing and is swallowed, Esc alone is an ordinary key")
    func panicKeyCtrlG() async throws {
        let pair = try TmuxPair("panic-g")
        defer { pair.tearDown() }
        try await pair.start(userArguments: ["--panic-key", "ctrl-g"])
        try await Self.grantControl(pair)

        try await pair.type(.user, "stty -echo; cat -v; stty echo")
        try await pair.send(.user, "Enter")
        try await Task.sleep(for: .milliseconds(300))
        try await pair.send(.user, "Escape")
        try await Task.sleep(for: .milliseconds(200))  // Esc alone, in a read of its own
        try await pair.type(.user, "x")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "cat's ^[x") { Self.hasRow($0, "^[x") }
        #expect(try await pair.status(.user).contains("Helper shares control"), "Esc ended control")

        try await pair.send(.user, "C-g")
        try await pair.waitFor(.user, 5, "the panic notice") { pair.statusLine(of: $0, .user).contains("Panic key: control taken back") }
        try await pair.waitFor(.helper, 5, "the panic notice") { pair.statusLine(of: $0, .helper).contains("pressed the panic key") }
        // Swallowed: cat printed nothing for it. Outside Control Sharing, Ctrl-G is an ordinary key again.
        try await pair.type(.user, "y")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "cat's y") { Self.hasRow($0, "y") }
        #expect(!(try await pair.capture(.user)).contains("^G"), "the panic key reached the program\n\(pair.report())")
        try await pair.send(.user, "C-g")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "cat's ^G") { Self.hasRow($0, "^G") }
        try await pair.send(.user, "C-d")
        try await pair.waitForEqualScreens(3)
        for pane in [TmuxPair.Pane.user, .helper] {
            try await pair.waitForLog(pane, 5, holding: ["EXPERT_CONTROL_ENDED(panic-key)"])
        }
    }

    @Test("Notices leave the status lines by themselves once their time is up, with nothing typed or printed")
    func noticesExpire() async throws {
        let pair = try TmuxPair("notice")
        defer { pair.tearDown() }
        var consented = ContinuousClock.now
        try await pair.start(sessionLog: false, beforeConsent: { consented = ContinuousClock.now })
        // Each notice is there unless a loaded machine took its whole time to show the shared terminal.
        let userStatus = try await pair.status(.user)
        #expect(userStatus.contains("Sharing this terminal with") || ContinuousClock.now - consented > .seconds(6), "\(userStatus)")
        let helperStatus = try await pair.status(.helper)
        // (While tmux still sizes the windows, the Helper's may be smaller for a moment: the size note then pushes the
        // notice, which comes last, past the window's edge.)
        #expect(
            helperStatus.contains("You see User's terminal") || helperStatus.contains("part is cut") || ContinuousClock.now - consented > .seconds(10),
            "\(helperStatus)")
        // The User's welcome lasts 6 s, the Helper's 10 s, both from the start of the sharing.
        try await pair.waitFor(.user, 8, "the User's status line without its notice") { pair.statusLine(of: $0, .user).hasSuffix("· Ctrl-] ? keys") }
        try await pair.waitFor(.helper, 5, "the Helper's status line without its notice") { pair.statusLine(of: $0, .helper).hasSuffix("· Ctrl-] ? keys") }
    }

    @Test("Refusing control, and giving it back from each side: Ctrl-] n on the User, Ctrl-] g on the Helper, Ctrl-] t on the User, each with its notice and its log record")
    func giveUpControl() async throws {
        let pair = try TmuxPair("giveup")
        defer { pair.tearDown() }
        try await pair.start()

        try await pair.command(.helper, "r")
        try await pair.waitFor(.helper, 5, "the pending request") { pair.statusLine(of: $0, .helper).contains("control asked") }
        try await pair.waitFor(.user, 5, "the Helper's request for control") { pair.statusLine(of: $0, .user).contains("asks for control") }
        try await pair.command(.user, "n")
        try await pair.waitFor(.helper, 5, "the refusal") { pair.statusLine(of: $0, .helper).contains("User refused control") }
        #expect(try await pair.status(.helper).contains("view only"))
        try await pair.type(.helper, "echo typed-after-refusal")
        try await pair.send(.helper, "Enter")
        try await Self.neverShows(pair, .user, "typed-after-refusal", seconds: 0.5)

        try await Self.grantControl(pair)
        try await pair.command(.helper, "g")
        try await pair.waitFor(.helper, 5, "the notice") { pair.statusLine(of: $0, .helper).contains("You gave control back") }
        try await pair.waitFor(.user, 5, "the notice") { pair.statusLine(of: $0, .user).contains("Helper gave control back") }
        #expect(try await pair.status(.user).contains("Helper watches"))
        #expect(try await pair.status(.helper).contains("view only"))

        try await Self.grantControl(pair)
        try await pair.command(.user, "t")
        try await pair.waitFor(.user, 5, "the notice") { pair.statusLine(of: $0, .user).contains("You took control back") }
        try await pair.waitFor(.helper, 5, "the notice") { pair.statusLine(of: $0, .helper).contains("User took control back") }
        #expect(try await pair.status(.user).contains("Helper watches"))
        #expect(try await pair.status(.helper).contains("view only"))

        try await pair.type(.user, "exit")
        try await pair.send(.user, "Enter")
        for pane in [TmuxPair.Pane.user, .helper] {
            try await pair.waitFor(pane, 10, "the end of the command") { Self.hasRow($0, "EXIT 0") }
        }
        for pane in [TmuxPair.Pane.user, .helper] {
            let records = try await pair.waitForLog(
                pane, 5, holding: ["EXPERT_REQUEST_CONTROL", "EXPERT_DENIED_CONTROL", "EXPERT_GRANTED_CONTROL", "EXPERT_CONTROL_ENDED(helper-gave-up)", "EXPERT_CONTROL_ENDED(user-took-back)"])
            #expect(records.filter { $0 == "EXPERT_REQUEST_CONTROL" }.count == 3, "\(pane): \(records)")
            #expect(records.filter { $0 == "EXPERT_GRANTED_CONTROL" }.count == 2, "\(pane): \(records)")
            #expect(
                records.filter { $0.hasPrefix("EXPERT_CONTROL_ENDED") } == ["EXPERT_CONTROL_ENDED(helper-gave-up)", "EXPERT_CONTROL_ENDED(user-took-back)"],
                "\(pane): \(records)")
        }
    }

    @Test("Pause and resume: while paused the Helper sees the notice and nothing typed; on resume it sees the User's screen as it is")
    func pauseAndResume() async throws {
        let pair = try TmuxPair("pause")
        defer { pair.tearDown() }
        try await pair.start()

        try await pair.command(.user, "p")
        try await pair.waitFor(.helper, 5, "the paused notice") { $0.contains("User paused screen sharing") && pair.statusLine(of: $0, .helper).contains("paused") }
        try await pair.waitFor(.user, 5, "the paused state") { pair.statusLine(of: $0, .user).contains("sees nothing (paused)") }
        try await pair.type(.user, "echo secret-while-paused")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 5, "the shell's answer") { Self.hasRow($0, "secret-while-paused") }
        try await Self.neverShows(pair, .helper, "secret", seconds: 1)
        #expect(try await pair.capture(.helper).contains("User paused screen sharing"))

        try await pair.command(.user, "p")
        try await pair.waitFor(.helper, 5, "the screen again") { Self.hasRow($0, "secret-while-paused") }
        try await pair.waitForEqualScreens(3)
        #expect(try await pair.status(.helper).contains("view only"))
        #expect(try await pair.status(.user).contains("Helper watches"))
        for pane in [TmuxPair.Pane.user, .helper] {
            try await pair.waitForLog(pane, 5, holding: ["SESSION_PAUSED", "SESSION_RESUMED"])
        }
    }

    @Test(
        "Resize: the shared screen follows the smaller window in each dimension (stty size says so), whoever resizes, full-screen programs included; the status lines say whose window is smaller",
        .enabled(if: TmuxPair.program("vi") != nil, "vi is not installed"))
    func resize() async throws {
        let pair = try TmuxPair("resize")
        defer { pair.tearDown() }
        try await pair.start(sessionLog: false)
        func sttySize(_ expected: String) async throws {
            try await pair.send(.user, "C-l")
            try await pair.type(.user, "stty size")
            try await pair.send(.user, "Enter")
            try await pair.waitFor(.user, 5, "the size the shell sees") { Self.hasRow($0, expected) }
            try await pair.waitForEqualScreens(3)
        }

        try await pair.resize(.helper, to: TmuxPair.Size(columns: 70, rows: 20))
        try await pair.waitFor(.user, 1, "the smaller shared screen") { pair.statusLine(of: $0, .user).contains("70×19 (Helper's window is smaller)") }
        try await sttySize("19 70")

        try await pair.resize(.helper, to: TmuxPair.Size(columns: 120, rows: 40))
        try await pair.waitFor(.user, 1, "the User's own size") { !pair.statusLine(of: $0, .user).contains("window is smaller") }
        try await pair.waitFor(.helper, 1, "the User's smaller window") { pair.statusLine(of: $0, .helper).contains("100×29 (User's window is smaller)") }
        try await sttySize("29 100")

        // The User's own window (SIGWINCH on the User's side).
        try await pair.resize(.user, to: TmuxPair.Size(columns: 60, rows: 15))
        try await pair.waitFor(.helper, 1, "the User's smaller window") { pair.statusLine(of: $0, .helper).contains("60×14 (User's window is smaller)") }
        try await sttySize("14 60")

        // A full-screen program redraws at the new size on both sides, and the shell's screen comes back.
        try await pair.type(.user, "seq 1 8; vi -u NONE -i NONE -N -n \(pair.scratch.path)/resize.txt")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 8, "vi's empty buffer") { TmuxPair.rows($0).dropFirst().prefix(3).allSatisfy { $0.hasPrefix("~") } }
        try await pair.resize(.helper, to: TmuxPair.Size(columns: 50, rows: 12))
        try await pair.waitFor(.user, 1, "the smaller shared screen") { pair.statusLine(of: $0, .user).contains("50×11 (Helper's window is") }
        try await pair.type(.user, "iresized")
        try await pair.waitFor(.helper, 5, "the typed text") { TmuxPair.rows($0).first == "resized" && $0.contains("-- INSERT --") }
        try await pair.waitForEqualScreens(3)
        try await pair.send(.user, "C-c")  // leaves insert mode without waiting for Esc's timeout
        try await pair.type(.user, ":q!")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.helper, 5, "the shell's screen again") { $0.contains("$ seq 1 8; vi") && !$0.contains("resized") }
        try await sttySize("11 50")
    }

    @Test("A cursor saved before the shared screen shrank and restored after it stays on the screen: the session lives on, both windows equal")
    func cursorRestoredAfterShrinking() async throws {
        let pair = try TmuxPair("restore")
        defer { pair.tearDown() }
        try await pair.start(sessionLog: false)

        // DECSC on row 21 of the 25 shared rows, then the Helper's window leaves 11.
        try await pair.type(.user, #"seq 1 20; printf '\e7'"#)
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.helper, 5, "the output") { Self.hasRow($0, "20") }
        try await pair.resize(.helper, to: TmuxPair.Size(columns: 90, rows: 12))
        try await pair.waitFor(.user, 2, "the smaller shared screen") { pair.statusLine(of: $0, .user).contains("90×11 (Helper's window is smaller)") }
        // DECRC: libvterm puts the cursor back on row 21, below the screen, where it stays while nothing is
        // printed (the next text brings it back); frames leave meanwhile.
        try await pair.type(.user, #"printf '\e8'; sleep 1"#)
        try await pair.send(.user, "Enter")
        try await Task.sleep(for: .milliseconds(1500))
        try await pair.type(.user, "echo still-$((6*7))")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.helper, 5, "the shell's answer after the restored cursor") { Self.hasRow($0, "still-42") || $0.contains("EXIT") }
        let helperExited = await pair.exited(.helper)
        let userExited = await helperExited ? true : pair.exited(.user)
        #expect(!helperExited && !userExited, "the session ended\n\(pair.report())")
        try await pair.waitForEqualScreens(3)
        #expect(try await pair.status(.helper).contains("view only"))
    }

    @Test(
        "A burst of output at each bandwidth level: within 2 s of its end the Helper's screen equals the User's",
        arguments: ["none", "no-full-window-drag", "no-background", "full"])
    func burst(bandwidth: String) async throws {
        let pair = try TmuxPair("burst")
        defer { pair.tearDown() }
        try await pair.start(userArguments: ["--bandwidth", bandwidth], sessionLog: false)

        // A build log's worth of coloured lines, then a marker that only the output holds.
        try await pair.type(
            .user,
            #"for i in $(seq 1 20000); do printf '\033[32mok\033[0m %05d \033[1mcompile\033[0m unit-%d.swift\n' $i $((i*7)); done; echo burst-done-$((40+2))"#)
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.user, 60, "the end of the burst") { Self.hasRow($0, "burst-done-42") }
        let clock = ContinuousClock()
        let start = clock.now
        try await pair.waitForEqualScreens(2, "equal screens after the burst at --bandwidth \(bandwidth)")
        let took = clock.now - start
        #expect(Self.hasRow(try await pair.capture(.helper), "burst-done-42"))
        #expect(try await pair.sharedRows(.helper).contains { $0.contains("\u{1B}[32mok") }, "the colours did not reach the Helper")
        print("burst at --bandwidth \(bandwidth): the Helper's screen equal \(took) after the marker")
    }

    @Test("The end: exit in the shell ends both commands with status 0; both logs record the shared terminal, the User's its end; chat in the status lines")
    func theEnd() async throws {
        let pair = try TmuxPair("end")
        defer { pair.tearDown() }
        try await pair.start()

        try await pair.command(.helper, "c")
        try await pair.type(.helper, "hello from the helper")
        try await pair.send(.helper, "Enter")
        try await pair.waitFor(.user, 5, "the Helper's chat") { pair.statusLine(of: $0, .user).contains("Helper: hello from the helper") }
        try await pair.command(.user, "c")
        try await pair.type(.user, "hi back")
        try await pair.send(.user, "Enter")
        try await pair.waitFor(.helper, 5, "the User's chat") { pair.statusLine(of: $0, .helper).contains("User: hi back") }
        #expect(!(try await pair.capture(.user)).contains("$ hi back"), "the chat line reached the shell")

        try await pair.type(.user, "exit")
        try await pair.send(.user, "Enter")
        let user = try await pair.waitFor(.user, 10, "the end of invite") { $0.contains("EXIT ") }
        let helper = try await pair.waitFor(.helper, 10, "the end of help") { $0.contains("EXIT ") }
        #expect(Self.hasRow(user, "EXIT 0"), "\(pair.report())")
        #expect(Self.hasRow(helper, "EXIT 0"), "\(pair.report())")
        let userRecords = try await pair.waitForLog(.user, 5, holding: ["TERMINAL_SHARED", "TERMINAL_CLOSED", "CHAT_MESSAGE"])
        let helperRecords = try await pair.waitForLog(.helper, 5, holding: ["TERMINAL_SHARED", "CHAT_MESSAGE"])
        // In order: shared, closed, then the connection's end.
        let shared = userRecords.firstIndex(of: "TERMINAL_SHARED") ?? .max, closed = userRecords.firstIndex(of: "TERMINAL_CLOSED") ?? .max
        let connectionEnded = userRecords.firstIndex { $0.hasPrefix("CONNECTION_ENDED") } ?? .max
        #expect(shared < closed && closed < connectionEnded, "\(userRecords)")
        #expect(userRecords.filter { $0 == "CHAT_MESSAGE" }.count == 2, "\(userRecords)")
        #expect(helperRecords.filter { $0 == "CHAT_MESSAGE" }.count == 2, "\(helperRecords)")
    }
}
