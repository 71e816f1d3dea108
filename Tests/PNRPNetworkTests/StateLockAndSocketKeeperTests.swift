import Foundation
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One node per state directory (`node.lock`), and a control socket that comes back when its file is removed.
@Suite("State directory lock and control socket keeper", .serialized, .timeLimit(.minutes(1)))
struct StateLockAndSocketKeeperTests {
    @Test("The lock is exclusive, names its holder's pid, and is free again once released")
    func lockIsExclusive() throws {
        let temp = try ControlServerTests.TempDirectory()
        defer { temp.remove() }
        let directory = try temp.directory
        #expect(StateDirectoryLock.holder(in: temp.path) == nil)
        let first = try StateDirectoryLock.acquire(in: directory)
        #expect(StateDirectoryLock.holder(in: temp.path) == StateDirectoryLock.Holder(pid: getpid()))
        let contents = try String(contentsOfFile: temp.path + "/" + StateDirectoryLock.fileName, encoding: .utf8)
        #expect(contents == "\(getpid())\n")
        // flock locks belong to the open file: a second open in the same process is refused like another process.
        #expect(throws: StateDirectoryLock.Failure.held(path: first.path, pid: getpid())) {
            try StateDirectoryLock.acquire(in: directory, patience: .zero)
        }
        first.release()
        first.release()
        #expect(StateDirectoryLock.holder(in: temp.path) == nil)
        let second = try StateDirectoryLock.acquire(in: directory, patience: .zero)
        second.release()
    }

    @Test("A removed control socket file is bound again within the check interval; stop() ends every socket")
    func removedSocketComesBack() async throws {
        let temp = try ControlServerTests.TempDirectory()
        defer { temp.remove() }
        let keeper = try await ControlSocketKeeper.bind(socketPath: temp.socket, checkInterval: .milliseconds(100), logger: TestHosts.logger)
        let task = Task { await keeper.run(handler: ControlServerTests.FixedHandler()) }
        let client = ControlClient(socketPath: temp.socket)
        #expect(try await client.status().pid == 42)
        // A connection opened before the removal keeps working after it.
        let early = try ControlServerTests.openConnection(temp.socket)
        defer { close(early) }

        for round in 1...2 {
            #expect(unlink(temp.socket) == 0)
            let back = await eventually(20) { (try? await client.status().pid) == 42 }
            #expect(back, "round \(round): the socket did not come back")
            #expect(keeper.recreatedCount == round)
        }
        var st = stat()
        #expect(lstat(temp.socket, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let answer = String(decoding: try ControlServerTests.exchange(early, #"{"version":1,"op":"status"}"#), as: UTF8.self)
        #expect(answer.contains("\"pid\":42"), "\(answer)")

        // A shutdown request on the recreated socket stops them all; the file is removed.
        #expect(try await client.shutdown() == 42)
        let ended = await eventually(20) { lstat(temp.socket, &st) != 0 }
        #expect(ended)
        _ = await task.value
    }
}
