import EasyConnect
import NIOCore

/// The session log's hooks in the engine: what this side did, recorded where commands run.
extension SessionEngine {
    /// The session log's recorder, if a log is kept.
    var sessionLog: SessionLogRecorder? { continuation.log }

    /// Records a command `perform` carried out (a refused one is not recorded).
    func logPerformed(_ command: EasyConnectCommand, _ result: Result<UInt32?, EasyConnectError>) {
        guard let log = sessionLog, case .success(let id) = result else { return }
        var file: (name: String, size: UInt64)?
        if case .sendFile = command, let id, let state = outgoing[id] { file = (state.file.name, state.file.size) }
        log.performed(command, id: id, outgoingFile: file)
    }
}
