import Dispatch
import EasyConnect
import NIOConcurrencyHelpers
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps one session's log on disk: `<directory>/YYYYMMDDHHMMSS.xml` (the local time the session started;
/// `-2`, `-3` … before `.xml` when that name is taken, as when a User and a Helper start in the same second
/// on one machine). After each record the whole document is written again atomically (a temporary file in
/// the same directory, fsync, rename; mode 0600), so a process killed at any moment leaves the last
/// complete, readable version.
///
/// `append` only queues: the files are written on a serial queue of the writer's own, in order, never on
/// the session's event loop. Records that arrive while a write is under way are written together by the
/// next one. `flush()` waits until everything appended so far is on disk.
///
/// A log stays well below what a reader accepts (`SessionLog.maximumBytes`): past half of it (a peer
/// flooding the chat), further records are dropped, except the end of the session.
public final class SessionLogWriter: Sendable {
    /// The name of the log directory in a data directory, as Windows names it.
    public static let directoryName = "Remote Assistance Logs"

    /// The log file's full path.
    public let path: String
    /// The log file's name (`20250314092653.xml`).
    public let fileName: String

    private let directory: StateDirectory
    private let queue: DispatchQueue
    private let state: NIOLockedValueBox<State>

    private struct State {
        var log: SessionLog
        /// A write is queued that has not taken its snapshot yet.
        var scheduled = false
        /// How many records the file on disk holds.
        var written: Int
        var error: SessionLogWriterError?
        /// An upper bound of the document's size.
        var bytes = 256
        /// Records dropped because the log is full.
        var dropped = 0
        /// Whether the count of dropped records was written.
        var summarized = false
    }

    /// The most a log may grow to: half of what a reader accepts.
    static let byteBudget = SessionLog.maximumBytes / 2
    /// The part of it that records the other side can repeat at will may fill.
    static let repeatableBudget = byteBudget / 2

    /// Creates `directory` when missing (mode 0700; an existing one must be this user's) and the log file of
    /// a session that started at `start`, holding no record yet.
    public init(directory path: String, role: ConnectionRole, start: SessionLogTime, utcOffset: Int) throws(SessionLogWriterError) {
        do {
            directory = try StateDirectory(path: path)
        } catch {
            throw .directory(path, reason: Self.reason(error))
        }
        let log = SessionLog(role: role, start: start, utcOffset: utcOffset)
        fileName = try Self.reserve(in: directory, stem: start.compactText, content: log.xml())
        self.path = directory.file(fileName)
        queue = DispatchQueue(label: "easy-connect.session-log")
        state = NIOLockedValueBox(State(log: log, written: 0))
    }

    /// Adds a record; the file is rewritten soon after, off the caller's thread. Once the records the other
    /// side can repeat at will (`Kind.isRepeatable`: chat, offers, requests) fill `repeatableBudget`, they are
    /// no longer logged: a `RECORDS_OMITTED` record says so where it starts, and another counts them before
    /// the end. The others are kept up to `byteBudget`, and the end of the session always.
    public func append(_ record: SessionLogRecord) {
        let cost = Self.cost(of: record)
        let schedule = state.withLockedValue { s -> Bool in
            let isEnd = record.kind == .connectionEnded || record.kind == .invitationClosed
            let limit = record.kind.isRepeatable ? Self.repeatableBudget : Self.byteBudget
            guard s.bytes + cost <= limit || isEnd else {
                if s.dropped == 0 {
                    s.log.append(
                        SessionLogRecord(
                            kind: .recordsOmitted, time: record.time,
                            event: "The log reached its size limit: chat messages and other repeated records are no longer logged from here on"))
                    s.bytes += 400
                }
                s.dropped += 1
                return !s.scheduled && { s.scheduled = true; return true }()
            }
            if record.kind == .connectionEnded, s.dropped > 0, !s.summarized {
                s.summarized = true
                s.log.append(
                    SessionLogRecord(
                        kind: .recordsOmitted, time: record.time, event: "\(s.dropped) record\(s.dropped == 1 ? " was" : "s were") not logged because the log was full",
                        fields: [.omitted: String(s.dropped)]))
            }
            s.bytes += cost
            s.log.append(record)
            defer { s.scheduled = true }
            return !s.scheduled
        }
        if schedule { queue.async { self.writeLatest() } }
    }

    /// Waits until every record appended before the call is on disk (or its write failed: `lastError`).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }

    /// The log as recorded so far (some records may not be on disk yet).
    public var log: SessionLog { state.withLockedValue { $0.log } }

    /// How many records were dropped because the log reached its size limit.
    public var droppedRecords: Int { state.withLockedValue { $0.dropped } }

    /// An upper bound of a record's size in the document: every character of its texts escaped at worst
    /// (`&quot;`, six bytes), plus its tags and time.
    static func cost(of record: SessionLogRecord) -> Int {
        let texts = [record.event, record.text].compactMap(\.self) + Array(record.fields.values)
        return 160 + record.fields.count * 16 + texts.reduce(0) { $0 + $1.utf8.count * 6 }
    }

    /// Why the last write failed, if it did; the next record tries again.
    public var lastError: SessionLogWriterError? { state.withLockedValue { $0.error } }

    // MARK: - Writing

    private func writeLatest() {
        let snapshot = state.withLockedValue { s -> SessionLog? in
            s.scheduled = false
            return s.log.records.count == s.written ? nil : s.log
        }
        guard let snapshot else { return }
        let bytes = snapshot.xml()
        do {
            try directory.writeAtomically(fileName, bytes, mode: 0o600)
            state.withLockedValue {
                $0.written = snapshot.records.count
                $0.error = nil
            }
        } catch {
            state.withLockedValue { $0.error = .io(directory.file(fileName), reason: Self.reason(error)) }
        }
    }

    /// Creates the first free name of `stem` with `content`, never replacing a file: the content goes to a
    /// temporary file that is then hard-linked under the name (which fails if the name exists). Where hard
    /// links are not supported, the name is created empty and exclusively, then replaced by the temporary file.
    private static func reserve(in directory: StateDirectory, stem: String, content: [UInt8]) throws(SessionLogWriterError) -> String {
        let temporary = directory.file(".\(stem).\(getpid()).reserve")
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(temporary, reason: "cannot create: \(errorText())") }
        var written = 0
        while written < content.count {
            let n = content.withUnsafeBytes { write(fd, $0.baseAddress! + written, content.count - written) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let why = errorText()
                close(fd)
                unlink(temporary)
                throw .io(temporary, reason: "cannot write: \(why)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let why = errorText()
            close(fd)
            unlink(temporary)
            throw .io(temporary, reason: "cannot flush: \(why)")
        }
        close(fd)
        defer { unlink(temporary) }
        for n in 1...999 {
            let name = n == 1 ? stem + ".xml" : "\(stem)-\(n).xml"
            let target = directory.file(name)
            if link(temporary, target) == 0 { return name }
            if errno == EEXIST { continue }
            // No hard links here: take the name exclusively, then replace the empty file atomically.
            let placeholder = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if placeholder < 0 {
                if errno == EEXIST { continue }
                throw .io(target, reason: "cannot create: \(errorText())")
            }
            close(placeholder)
            guard rename(temporary, target) == 0 else { throw .io(target, reason: "cannot write: \(errorText())") }
            return name
        }
        throw .namesExhausted(directory: directory.path, stem: stem)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    private static func reason(_ error: StateError) -> String {
        switch error {
        case .notADirectory: "it exists and is not a directory"
        case .io(_, let why): why
        case .corrupt(_, _, let why): why
        }
    }
}
