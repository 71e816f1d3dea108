import EasyConnect
import EasyConnectNetwork
import Foundation
import Testing

@Suite("Received files on disk")
struct DownloadDirectoryTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "ec-downloads-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("A partial file is hidden until committed, and never replaces an existing file")
    func commitWithoutOverwrite() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let downloads = try DownloadDirectory(path: dir)
        try Data("existing".utf8).write(to: URL(fileURLWithPath: dir + "/report.pdf"))
        let partial = try downloads.createPartial(safeName: "report.pdf", tag: 1)
        try partial.write(Array("new content".utf8), at: 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [".report.pdf.1.partial", "report.pdf"])
        let final = try partial.commit()
        #expect(final == dir + "/report (1).pdf")
        #expect(try String(contentsOfFile: dir + "/report.pdf", encoding: .utf8) == "existing")
        #expect(try String(contentsOfFile: final, encoding: .utf8) == "new content")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["report (1).pdf", "report.pdf"])
    }

    @Test("A discarded partial file leaves nothing behind")
    func discard() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let partial = try DownloadDirectory(path: dir).createPartial(safeName: "a.bin", tag: 7)
        try partial.write([1, 2, 3], at: 0)
        partial.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("A write that comes after the discard (a chunk still queued on the disk thread) fails, and never lands in the file that reused the descriptor")
    func writeAfterDiscard() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let partial = try DownloadDirectory(path: dir).createPartial(safeName: "late.bin", tag: 9)
        try partial.write([1, 2, 3], at: 0)
        partial.discard()
        // The lowest free descriptor is the one the partial file had: another file takes it.
        let other = dir + "/other"
        let fd = open(other, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(throws: FileStoreError.self) { try partial.write(Array("queued chunk".utf8), at: 0) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)).isEmpty, "the late chunk went into another file")
        #expect(throws: FileStoreError.self) { try partial.commit() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["other"])
    }

    @Test("A download path that is a file, and a file to send that is a directory, are refused with the reason")
    func refusals() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data().write(to: URL(fileURLWithPath: dir + "/plain"))
        #expect(throws: FileStoreError.self) { try DownloadDirectory(path: dir + "/plain") }
        #expect(throws: FileStoreError.self) { try OutgoingFile(path: dir) }
        #expect(throws: FileStoreError.self) { try OutgoingFile(path: dir + "/missing") }
    }
}
