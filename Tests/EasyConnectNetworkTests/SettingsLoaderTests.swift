import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

/// Where the settings files are looked for, and how they are read from disk: absent, explicit, invalid,
/// not files at all.
@Suite("Settings files on disk")
struct SettingsLoaderTests {
    @Test("The places: variables beat XDG_CONFIG_HOME beats ~/.config; options beat variables; empty variables are unset")
    func places() {
        let home = "/home/ada"
        let none = SettingsLocations.standard(environment: [:], home: home)
        #expect(none.user == .init(path: "/home/ada/.config/easy-connect/settings.conf", explicit: false))
        #expect(none.policy == .init(path: "/etc/easy-connect/policy.conf", explicit: false))
        let xdg = SettingsLocations.standard(environment: ["XDG_CONFIG_HOME": "/cfg"], home: home)
        #expect(xdg.user == .init(path: "/cfg/easy-connect/settings.conf", explicit: false))
        let relative = SettingsLocations.standard(environment: ["XDG_CONFIG_HOME": "cfg"], home: home)
        #expect(relative.user.path == "/home/ada/.config/easy-connect/settings.conf", "a relative XDG_CONFIG_HOME is ignored, as the spec says")
        let variables = SettingsLocations.standard(
            environment: ["XDG_CONFIG_HOME": "/cfg", "EASY_CONNECT_SETTINGS": "/t/s.conf", "EASY_CONNECT_POLICY": "/t/p.conf"], home: home)
        #expect(variables.user == .init(path: "/t/s.conf", explicit: true))
        #expect(variables.policy == .init(path: "/t/p.conf", explicit: true))
        let empty = SettingsLocations.standard(environment: ["EASY_CONNECT_SETTINGS": "", "EASY_CONNECT_POLICY": ""], home: home)
        #expect(empty == none)
        let options = variables.overriding(user: "/o/s.conf", policy: nil)
        #expect(options.user == .init(path: "/o/s.conf", explicit: true))
        #expect(options.policy == variables.policy)
        #expect(variables.overriding(user: nil, policy: "/o/p.conf").place(.policy).path == "/o/p.conf")
    }

    @Test("Files absent from their standard places set nothing; a file named explicitly must exist")
    func absentFiles() throws {
        let scratch = try Scratch("settings-absent")
        defer { scratch.remove() }
        let quiet = SettingsLocations(user: .init(path: scratch.path + "/none.conf", explicit: false), policy: .init(path: scratch.path + "/nope.conf", explicit: false))
        let loaded = try SettingsLoader.load(quiet)
        #expect(loaded.settings == .defaults)
        #expect(loaded.effective.user == nil && loaded.effective.policy == nil)

        var named = quiet
        named.policy.explicit = true
        #expect(throws: SettingsError(file: scratch.path + "/nope.conf", problem: .missing)) { try SettingsLoader.load(named) }
        // /dev/null is an empty file: it sets nothing (how tests and embedders switch the policy off).
        named.policy.path = "/dev/null"
        #expect(try SettingsLoader.load(named).effective.policy?.entries.isEmpty == true)
    }

    @Test("Both files are read and combined; the policy wins; the files are only read")
    func combined() throws {
        let scratch = try Scratch("settings-combined")
        defer { scratch.remove() }
        let userText = Array("control = full\r\nconsent-timeout = 90\r\nbandwidth = none\r\n".utf8)
        let user = try scratch.file("settings.conf", userText)
        let policy = try scratch.file("policy.conf", Array("# fixed\ncontrol = view-only\n".utf8))
        let before = try FileManager.default.attributesOfItem(atPath: user)[.modificationDate] as? Date
        let loaded = try SettingsLoader.load(.init(user: .init(path: user, explicit: true), policy: .init(path: policy, explicit: false)))
        #expect(loaded.settings.control == .viewOnly)
        #expect(loaded.settings.consentTimeout == .seconds(90))
        #expect(loaded.effective.source(of: .control) == .file(.policy, path: policy, line: 2))
        #expect(loaded.effective.source(of: .bandwidth) == .file(.user, path: user, line: 3))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: user))) == userText)
        #expect(try FileManager.default.attributesOfItem(atPath: user)[.modificationDate] as? Date == before)
    }

    @Test("Invalid, oversized, directory and non-UTF-8 files are refused naming the file")
    func refused() throws {
        let scratch = try Scratch("settings-refused")
        defer { scratch.remove() }
        let good = try scratch.file("good.conf", Array("control = full\n".utf8))
        let bad = try scratch.file("bad.conf", Array("\n\nconsent-timeout = 300\n".utf8))
        func load(user: String, policy: String) throws(SettingsError) -> LoadedSettings {
            try SettingsLoader.load(.init(user: .init(path: user, explicit: true), policy: .init(path: policy, explicit: true)))
        }
        #expect(throws: SettingsError(file: bad, line: 3, key: "consent-timeout", value: "300", problem: .aboveMaximum(maximum: "120 seconds", range: "10 to 120"))) {
            try load(user: good, policy: bad)
        }
        #expect(throws: SettingsError(file: bad, line: 3, key: "consent-timeout", value: "300", problem: .aboveMaximum(maximum: "120 seconds", range: "10 to 120"))) {
            try load(user: bad, policy: good)
        }
        let directory = try scratch.directory("a-directory")
        #expect(throws: SettingsError(file: directory, problem: .directory)) { try load(user: directory, policy: good) }
        let big = try scratch.file("big.conf", [UInt8](repeating: 0x23, count: 1 << 20))
        #expect(throws: SettingsError(file: big, problem: .tooLarge(limit: SettingsFile.maximumBytes))) { try load(user: good, policy: big) }
        let latin1 = try scratch.file("latin1.conf", Array("# r".utf8) + [0xE9] + Array("glages\ncontrol = full\n".utf8))
        #expect(throws: SettingsError(file: latin1, line: 1, problem: .notUTF8(column: 4))) { try load(user: latin1, policy: good) }
        let inDirectoryThatIsAFile = good + "/settings.conf"
        #expect(throws: SettingsError(file: inDirectoryThatIsAFile, problem: .missing)) { try load(user: inDirectoryThatIsAFile, policy: good) }
    }
}
