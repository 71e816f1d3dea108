import EasyConnect
import NIOCore

extension EasyConnectSession {
    /// The path of this session's log file (`SessionOptions.sessionLogDirectory`), nil when none is kept.
    public func sessionLogPath() async -> String? {
        await sessionLogRecorder()?.writer.path
    }

    /// Waits until every record of the session log so far is on disk.
    func flushSessionLog() async {
        await sessionLogRecorder()?.writer.flush()
    }

    private func sessionLogRecorder() async -> SessionLogRecorder? {
        let engine = self.engine
        return try? await loop.submit { engine.value.sessionLog }.get()
    }
}
