import Foundation
import PNRP
import PNRPNetwork
import PeerCrypto
import Testing

/// The register options of the control protocol (key, extended payload, lifetime, until-disconnect), through a
/// real control socket in front of real hosts on loopback.
@Suite("Control socket: register options", .serialized, .timeLimit(.minutes(2)))
struct ControlRegisterOptionsTests {
    static let seedBytes = [UInt8](repeating: 0x2A, count: 32)
    static let seedText = Data(seedBytes).base64EncodedString()

    @Test("Every new field survives the codec; old requests still decode; the key seed never shows in a description")
    func codecAndRedaction() throws {
        let full = RegisterArguments(
            name: "room", secured: true, comment: "c", endpoints: ["127.0.0.1:7000/tcp"], extendedPayload: "AQID", keySeed: Self.seedText,
            lifetimeSeconds: 60, untilDisconnect: true)
        let line = try ControlCodec.line(ControlRequest.register(full))
        #expect(try ControlCodec.request(line.dropLast()) == .register(full))
        let ephemeral = RegisterArguments(name: "0.room", ephemeralKey: true)
        #expect(try ControlCodec.request(try ControlCodec.line(ControlRequest.register(ephemeral)).dropLast()) == .register(ephemeral))
        // The first form of version 1, as older clients send it.
        let old = try ControlCodec.request(Array(#"{"version":1,"op":"register","register":{"name":"chat","secured":true,"port":5222}}"#.utf8))
        #expect(old == .register(RegisterArguments(name: "chat", secured: true, port: 5222)))
        // And the plain form encodes as it always did: no new keys.
        let plain = String(decoding: try ControlCodec.line(ControlRequest.register(RegisterArguments(name: "0.x"))), as: UTF8.self)
        #expect(plain == #"{"op":"register","register":{"name":"0.x","secured":false},"version":1}"# + "\n")
        for text in [full.description, full.debugDescription, String(describing: ControlRequest.register(full)), String(reflecting: full), "\(Mirror(reflecting: full).children.map { "\($0.value)" })"] {
            #expect(!text.contains(Self.seedText), "\(text)")
            #expect(!text.contains("KioqKioq"))
        }
        #expect(full.description.contains("keySeed: <redacted>"))
        let record = ResolvedRecord(
            name: "0.x", cloud: "Global_", id: "ab", nodeEndpoints: [], endpoints: [], comment: nil, hops: 1, path: [], keyFingerprint: "cd", expiresAt: 5,
            milliseconds: 1, extendedPayload: "AQID", publicKey: "00ff")
        let reply = ControlResponse.success(.resolved(record))
        #expect(try ControlCodec.response(try ControlCodec.line(reply).dropLast()) == reply)
    }

    @Test("Keys, payloads, lifetimes and until-disconnect through a control socket; every bad field is a clear badInput")
    func registerOptions() async throws {
        let temp = try ControlServerTests.TempDirectory()
        defer { temp.remove() }
        let a = try await PNRPHost.start(try TestHosts.configuration(address: "127.0.0.1", port: 41_760, seeds: []), logger: TestHosts.logger)
        var bConfiguration = try TestHosts.configuration(address: "127.0.0.1", port: 41_761, seeds: ["127.0.0.1:41760"])
        bConfiguration.stateDirectory = try temp.directory
        let b = try await PNRPHost.start(bConfiguration, logger: TestHosts.logger)
        let daemon = NodeDaemon(host: b, stateDirectory: try temp.directory)
        let (server, task) = try await ControlServerTests.serve(daemon, at: temp.socket)
        defer {
            server.stop()
            Task { await a.shutdown(); await b.shutdown() }
        }
        let client = ControlClient(socketPath: temp.socket)

        // Refusals, each saying what to change, none repeating the seed.
        let big = Data([UInt8](repeating: 1, count: 4097)).base64EncodedString()
        let refusals: [(RegisterArguments, String)] = [
            (RegisterArguments(name: "0.r", extendedPayload: "not base64!"), "extendedPayload is not valid base64"),
            (RegisterArguments(name: "0.r", extendedPayload: ""), "extendedPayload has 0 bytes"),
            (RegisterArguments(name: "0.r", extendedPayload: big), "extendedPayload has 4097 bytes"),
            (RegisterArguments(name: "0.r", keySeed: "%%%"), "keySeed is not valid base64"),
            (RegisterArguments(name: "0.r", keySeed: Data([UInt8](repeating: 1, count: 31)).base64EncodedString()), "keySeed has 31 bytes"),
            (RegisterArguments(name: "0.r", keySeed: Self.seedText, ephemeralKey: true), "exclude each other"),
            (RegisterArguments(name: "0.r", lifetimeSeconds: 0.5), "lifetimeSeconds must be from 1 to 604800"),
            (RegisterArguments(name: "0.r", lifetimeSeconds: 604_801), "lifetimeSeconds must be from 1 to 604800"),
            (RegisterArguments(name: "0.r", endpoints: ["127.0.0.1:7000"]), "add the transport"),
            (RegisterArguments(name: "0.r", endpoints: Array(repeating: "127.0.0.1:7000/tcp", count: 11)), "at most 10"),
            (RegisterArguments(name: "\(b.identity.authority).r", keySeed: Self.seedText), "authority is not the SHA-1"),
        ]
        for (arguments, expected) in refusals {
            do {
                _ = try await client.register(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(error.kind == .badInput, "\(error)")
                #expect(error.message.contains(expected), "\(error.message)")
                #expect(!error.message.contains(Self.seedText))
            }
        }
        // untilDisconnect needs a connection: the daemon refuses it outside one.
        let outside = await daemon.handle(.register(RegisterArguments(name: "0.r", untilDisconnect: true)))
        guard case .failure(let e) = outside else {
            Issue.record("untilDisconnect without a connection was accepted")
            return
        }
        #expect(e.kind == .badInput && e.message.contains("needs a control connection"))
        #expect(try await client.status().registrations.isEmpty)

        // A secured name under the caller's key, with a payload and explicit endpoints.
        let key = try Ed25519PrivateKey(seed: Self.seedBytes)
        let data = (0..<4096).map { UInt8(truncatingIfNeeded: $0 ^ 0x5A) }
        let secured = try await client.register(
            RegisterArguments(
                name: "keyed", secured: true, endpoints: ["[::1]:7000/udp"], extendedPayload: Data(data).base64EncodedString(), keySeed: Self.seedText))
        #expect(secured.name == "\(Authority.of(publicKey: key.publicKey.bytes)).keyed")
        #expect(secured.endpoints == ["[::1]:7000/udp"])
        let record = try await client.resolve(ResolveArguments(name: secured.name, timeoutSeconds: 5))
        #expect(record.extendedPayload == Data(data).base64EncodedString())
        #expect(record.publicKey == key.publicKey.bytes.map { String(format: "%02x", $0) }.joined())
        #expect(record.keyFingerprint == Authority.of(publicKey: key.publicKey.bytes).description)
        let fromA = await eventually(10) { (try? await a.resolve(try PeerName(secured.name), timeout: .seconds(2)))?.extendedPayload == data }
        #expect(fromA)

        // An ephemeral key: neither the identity's nor stable.
        let ephemeral = try await client.register(RegisterArguments(name: "0.anonymous", ephemeralKey: true))
        let anonymous = try await a.resolve(try PeerName(ephemeral.name), timeout: .seconds(5))
        #expect(anonymous.publicKey != b.identity.key.publicKey.bytes)

        // A lifetime: the daemon revokes the name by itself.
        let briefStart = ContinuousClock.now
        _ = try await client.register(RegisterArguments(name: "0.brief", lifetimeSeconds: 1))
        // Listed while its lifetime runs (a loaded machine may only ask after it has run out).
        let briefListed = try await client.status().registrations.contains("0.brief")
        #expect(briefListed || ContinuousClock.now - briefStart >= .seconds(1))
        #expect(await eventually(10) { (try? await client.status().registrations.contains("0.brief")) == false })

        // Until disconnect: the registration lasts exactly as long as its session.
        let session = try await client.openSession()
        let held = try await session.register(RegisterArguments(name: "0.held", extendedPayload: "aGVsZA==", untilDisconnect: true))
        #expect(held.name == "0.held")
        #expect(try await a.resolve(try PeerName("0.held"), timeout: .seconds(5)).extendedPayload == Array("held".utf8))
        // Another request on the same session works, and another client's connection closing changes nothing.
        _ = try await session.send(.status)
        _ = try await client.status()
        #expect(try await client.status().registrations.contains("0.held"))
        await session.close()
        #expect(await eventually(10) { (try? await client.status().registrations.contains("0.held")) == false })
        let gone = await eventually(15) {
            do {
                _ = try await a.resolve(try PeerName("0.held"), timeout: .seconds(2))
                return false
            } catch {
                return (error as? HostError) == .resolve(.notFound)
            }
        }
        #expect(gone, "0.held still resolves after its session closed")
        #expect(!session.isOpen)
        await #expect(throws: ControlError.self) { _ = try await session.send(.status) }

        server.stop()
        await task.value
        await a.shutdown()
        await b.shutdown()
    }
}
