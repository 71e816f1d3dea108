import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

/// The session log writer on a real file system: names, modes, atomic rewrites, and the folder listing.
@Suite("Session log files")
struct SessionLogWriterTests {
    static let start = SessionLogTime(year: 2025, month: 3, day: 14, hour: 9, minute: 26, second: 53)!

    static func record(_ n: Int) -> SessionLogRecord {
        SessionLogRecord(kind: .chatMessage, time: start, fields: [.direction: n % 2 == 0 ? "sent" : "received"], text: "Hector: message \(n)")
    }

    static func mode(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }

    static func parse(_ path: String) throws -> SessionLog {
        try SessionLog(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test("The directory is created 0700, the file is YYYYMMDDHHMMSS.xml (0600), readable from the first moment and after every record")
    func writes() async throws {
        let scratch = try Scratch("log-writer")
        defer { scratch.remove() }
        let directory = scratch.path + "/data/" + SessionLogWriter.directoryName
        let writer = try SessionLogWriter(directory: directory, role: .user, start: Self.start, utcOffset: 3600)
        #expect(writer.fileName == "20250314092653.xml")
        #expect(writer.path == directory + "/20250314092653.xml")
        #expect(Self.mode(directory) == 0o700)
        #expect(Self.mode(writer.path) == 0o600)
        #expect(try Self.parse(writer.path) == SessionLog(role: .user, start: Self.start, utcOffset: 3600))

        for n in 0..<3 { writer.append(Self.record(n)) }
        await writer.flush()
        let log = try Self.parse(writer.path)
        #expect(log.records == (0..<3).map(Self.record))
        #expect(log == writer.log)
        #expect(Self.mode(writer.path) == 0o600)
        #expect(writer.lastError == nil)

        // Many records in a burst: later writes take up what arrived meanwhile, in order.
        for n in 3..<500 { writer.append(Self.record(n)) }
        await writer.flush()
        #expect(try Self.parse(writer.path).records == (0..<500).map(Self.record))
        #expect(scratch.listing("data/" + SessionLogWriter.directoryName) == ["20250314092653.xml"], "no temporary file is left")
    }

    @Test("A flood of chat stops being logged well before the log is too large to read; what matters after it, and the end, are still logged, with the count of what was not")
    func sizeLimit() async throws {
        let scratch = try Scratch("log-flood")
        defer { scratch.remove() }
        let writer = try SessionLogWriter(directory: scratch.path + "/logs", role: .user, start: Self.start, utcOffset: 0)
        let flood = String(repeating: "\"<&>", count: 1024)
        for _ in 0..<1200 { writer.append(SessionLogRecord(kind: .chatMessage, time: Self.start, fields: [.direction: "received"], text: "Mallory: " + flood)) }
        writer.append(SessionLogRecord(kind: .expertGrantedControl, time: Self.start, event: "You gave Mallory control of your computer"))
        writer.append(SessionLogRecord(kind: .fileReceived, time: Self.start, event: "You received a file", fields: [.name: "payload.sh", .size: "10"]))
        writer.append(SessionLogRecord(kind: .connectionEnded, time: Self.start, event: "The session ended", fields: [.outcome: "ended"]))
        await writer.flush()
        let dropped = writer.droppedRecords
        #expect(dropped > 0)
        let size = try #require((try FileManager.default.attributesOfItem(atPath: writer.path))[.size] as? NSNumber).intValue
        #expect(size <= SessionLog.maximumBytes / 2, "\(size)")
        let log = try Self.parse(writer.path)
        let kinds = log.records.map(\.kind)
        #expect(kinds.suffix(4) == [.expertGrantedControl, .fileReceived, .recordsOmitted, .connectionEnded], "\(kinds.suffix(6))")
        #expect(kinds.filter { $0 == .recordsOmitted }.count == 2, "one where omitting starts, one with the count")
        #expect(log.records[log.records.count - 2].fields[.omitted] == String(dropped))
        #expect(log.records.count == 1200 - dropped + 2 + 2 + 1)
    }

    @Test("A name already taken (the other side on this machine, or any file) gets -2, -3 …: nothing is overwritten")
    func uniqueNames() throws {
        let scratch = try Scratch("log-names")
        defer { scratch.remove() }
        let directory = try scratch.directory("logs")
        try scratch.file("logs/20250314092653.xml", Array("not mine".utf8))
        let second = try SessionLogWriter(directory: directory, role: .user, start: Self.start, utcOffset: 0)
        let third = try SessionLogWriter(directory: directory, role: .helper, start: Self.start, utcOffset: 0)
        #expect(second.fileName == "20250314092653-2.xml")
        #expect(third.fileName == "20250314092653-3.xml")
        #expect(try String(contentsOfFile: directory + "/20250314092653.xml", encoding: .utf8) == "not mine")
        #expect(try Self.parse(third.path).role == .helper)
    }

    @Test("An unusable directory is refused with the reason")
    func unusableDirectory() throws {
        let scratch = try Scratch("log-bad-dir")
        defer { scratch.remove() }
        let blocker = try scratch.file("blocker", [1])
        #expect(throws: SessionLogWriterError.self) { try SessionLogWriter(directory: blocker, role: .user, start: Self.start, utcOffset: 0) }
        do {
            _ = try SessionLogWriter(directory: blocker, role: .user, start: Self.start, utcOffset: 0)
        } catch {
            #expect(error.description.contains("is not a directory") && error.description.contains("--no-session-log"), "\(error)")
        }
    }

    @Test("The folder lists logs newest first, reports unreadable files with the reason and leaves them alone")
    func folder() async throws {
        let scratch = try Scratch("log-folder")
        defer { scratch.remove() }
        let directory = try scratch.directory("logs")
        #expect(try SessionLogFolder.entries(in: scratch.path + "/missing").isEmpty)
        let older = try SessionLogWriter(directory: directory, role: .user, start: SessionLogTime(year: 2024, month: 12, day: 31, hour: 23, minute: 0, second: 0)!, utcOffset: 0)
        older.append(Self.record(0))
        await older.flush()
        let newer = try SessionLogWriter(directory: directory, role: .helper, start: Self.start, utcOffset: 0)
        let newest = try SessionLogWriter(directory: directory, role: .user, start: Self.start, utcOffset: 0)
        let cut = Array(try Data(contentsOf: URL(fileURLWithPath: older.path)).dropLast(20))
        try scratch.file("logs/20250101000000.xml", cut)
        try scratch.file("logs/notes.txt", Array("not a log".utf8))
        try scratch.file("logs/.20250314092653.xml.tmp", [])

        let entries = try SessionLogFolder.entries(in: directory)
        #expect(entries.map(\.fileName) == [newest.fileName, newer.fileName, "20250101000000.xml", older.fileName])
        #expect(entries[0].log?.role == .user && entries[1].log?.role == .helper)
        #expect(entries[3].log?.records.count == 1)
        #expect(entries[2].log == nil)
        #expect(entries[2].problem?.contains("malformed XML") == true, "\(entries[2].problem ?? "")")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/20250101000000.xml")) == Data(cut), "a corrupt log is kept as it is")
    }
}
