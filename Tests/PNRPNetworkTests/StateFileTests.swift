import Foundation
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The identity and cache files of a state directory: permissions, corrupt files, replacement.
@Suite("State files")
struct StateFileTests {
    static func withDirectory(_ body: (StateDirectory) async throws -> Void) async throws {
        let temp = try ControlServerTests.TempDirectory()
        defer { temp.remove() }
        try await body(try temp.directory)
    }

    static func files(_ directory: StateDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test("A new identity is written with mode 0600 and read back unchanged")
    func identityMode() async throws {
        try await Self.withDirectory { directory in
            var warnings: [String] = []
            let created = try #require(try NodeIdentity.load(from: directory, createIfMissing: true, warnings: &warnings))
            #expect(warnings.isEmpty)
            #expect(directory.mode(of: NodeIdentity.fileName) == 0o600)
            let again = try #require(try NodeIdentity.load(from: directory, createIfMissing: false, warnings: &warnings))
            #expect(again.authority == created.authority)
            #expect(try NodeIdentity.read(from: directory)?.authority == created.authority)
            // A key file others can read is tightened and reported.
            chmod(directory.file(NodeIdentity.fileName), 0o644)
            _ = try NodeIdentity.load(from: directory, createIfMissing: false, warnings: &warnings)
            #expect(directory.mode(of: NodeIdentity.fileName) == 0o600)
            #expect(warnings.count == 1 && warnings[0].contains("0600"))
        }
    }

    @Test("A corrupt identity is moved aside, reported and replaced; its bytes survive")
    func corruptIdentity() async throws {
        try await Self.withDirectory { directory in
            let garbage = Array("{\"version\":1,\"ed25519Seed\":\"not hex\"}\n".utf8)
            try directory.writeAtomically(NodeIdentity.fileName, garbage)
            // Reading alone changes nothing.
            #expect(throws: StateError.self) { try NodeIdentity.read(from: directory) }
            #expect(try directory.read(NodeIdentity.fileName) == garbage)
            var warnings: [String] = []
            let fresh = try #require(try NodeIdentity.load(from: directory, createIfMissing: true, warnings: &warnings))
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("kept as") == true)
            let aside = try #require(Self.files(directory).first { $0.hasPrefix("identity.key.corrupt-") })
            #expect(try directory.read(aside) == garbage)
            #expect(try NodeIdentity.read(from: directory)?.authority == fresh.authority)
            #expect(directory.mode(of: NodeIdentity.fileName) == 0o600)
        }
    }

    @Test("A corrupt cache file is moved aside and reported, never overwritten")
    func corruptCache() async throws {
        try await Self.withDirectory { directory in
            let garbage = Array("[1,2,3".utf8)
            try directory.writeAtomically(CacheSnapshot.fileName, garbage)
            var warnings: [String] = []
            #expect(CacheSnapshot.load(from: directory, warnings: &warnings) == nil)
            #expect(warnings.count == 1 && warnings[0].contains(CacheSnapshot.fileName))
            let aside = try #require(Self.files(directory).first { $0.hasPrefix("cache.json.corrupt-") })
            #expect(try directory.read(aside) == garbage)
            #expect(try directory.read(CacheSnapshot.fileName) == nil)
            // A second corrupt file gets its own name.
            try directory.writeAtomically(CacheSnapshot.fileName, Array("{}".utf8))
            _ = CacheSnapshot.load(from: directory, warnings: &warnings)
            #expect(Self.files(directory).filter { $0.hasPrefix("cache.json.corrupt-") }.count == 2)
        }
    }

    @Test("A host started on corrupt state files reports them as warnings and keeps them aside")
    func hostReportsCorruptFiles() async throws {
        try await Self.withDirectory { directory in
            try directory.writeAtomically(NodeIdentity.fileName, Array("garbage".utf8))
            try directory.writeAtomically(CacheSnapshot.fileName, Array("garbage too".utf8))
            var configuration = try TestHosts.configuration(address: "127.0.0.1", port: 41_710, seeds: [])
            configuration.stateDirectory = directory
            let host = try await PNRPHost.start(configuration, logger: TestHosts.logger)
            var warnings: [String] = []
            for await event in host.events {
                if case .warning(let text) = event { warnings.append(text) }
                if warnings.count == 2 { break }
            }
            await host.shutdown()
            #expect(warnings.contains { $0.contains(NodeIdentity.fileName) })
            #expect(warnings.contains { $0.contains(CacheSnapshot.fileName) })
            let files = Self.files(directory)
            #expect(files.contains { $0.hasPrefix("identity.key.corrupt-") })
            #expect(files.contains { $0.hasPrefix("cache.json.corrupt-") })
            #expect(try NodeIdentity.read(from: directory)?.authority == host.identity.authority)
        }
    }

    @Test("Creating an identity refuses to replace one unless asked, and then keeps the old file")
    func createIdentity() async throws {
        try await Self.withDirectory { directory in
            let (first, moved) = try NodeIdentity.create(in: directory, replacing: false)
            #expect(moved == nil)
            let bytes = try directory.read(NodeIdentity.fileName)
            #expect(throws: IdentityFileError.exists(directory.file(NodeIdentity.fileName), authority: first.authority.description)) {
                _ = try NodeIdentity.create(in: directory, replacing: false)
            }
            #expect(try directory.read(NodeIdentity.fileName) == bytes)
            let (second, aside) = try NodeIdentity.create(in: directory, replacing: true)
            #expect(second.authority != first.authority)
            let asidePath = try #require(aside)
            #expect(asidePath.contains("identity.key.replaced-"))
            #expect(FileManager.default.contents(atPath: asidePath).map(Array.init) == bytes)
            #expect(directory.mode(of: NodeIdentity.fileName) == 0o600)
        }
    }

    @Test("The node settings file: keys, repeatable keys, comments, and errors with line numbers")
    func configFile() throws {
        let file = try DaemonConfigFile(
            text: """
                # a node
                address = 127.0.0.2
                port = 3541   # not the default
                seed = 127.0.0.3:3540
                seed = [::1]:3540

                link-local = no
                interface = eth0
                multicast = off
                log-level = Debug
                cache-save-interval = 30
                metrics = [::1]:9464
                """)
        #expect(file.address == "127.0.0.2")
        #expect(file.port == 3541)
        #expect(file.seeds == ["127.0.0.3:3540", "[::1]:3540"])
        #expect(file.linkLocal == false)
        #expect(file.interfaces == ["eth0"])
        #expect(file.multicast == false)
        #expect(file.logLevel == "debug")
        #expect(file.cacheSaveIntervalSeconds == 30)
        #expect(file.metrics == "[::1]:9464")
        let bad: [(String, String)] = [
            ("port = 0", "config:1: port must be 1-65535"), ("\n\nseed = nowhere", "config:3: cannot read endpoint 'nowhere'"),
            ("colour = blue", "config:1: unknown key 'colour'"), ("address", "config:1: expected `key = value`"),
            ("multicast = maybe", "config:1: `multicast` must be yes or no"),
            ("metrics = 127.0.0.1", "config:1: metrics needs a port"), ("metrics = localhost:9464", "config:1: metrics: "),
        ]
        for (text, expected) in bad {
            do {
                _ = try DaemonConfigFile(text: text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.hasPrefix(expected), "\(error.description)")
            }
        }
        #expect(throws: DaemonConfigError.unreadable("/nonexistent/pnrp.conf")) { try DaemonConfigFile.load(path: "/nonexistent/pnrp.conf") }
    }
}
