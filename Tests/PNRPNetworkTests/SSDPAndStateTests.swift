import Foundation
import PNRP
import PNRPNetwork
import Testing

@Suite("SSDP messages, endpoint text, state files")
struct SSDPAndStateTests {
    @Test("M-SEARCH and response round-trip; the AL header carries the RFC 2732 endpoint")
    func ssdpRoundTrip() throws {
        let target = CloudScope.linkLocal(zone: 3).ssdpSearchTarget
        #expect(target == "urn:Microsoft Windows Peer Name Resolution Protocol: V4:IPV6:LinkLocal")
        let search = SSDPMessage.search(target: target)
        #expect(SSDPMessage(parsing: search.bytes) == search)
        #expect(search.text.hasPrefix("M-SEARCH * HTTP/1.1\r\n"))
        let response = SSDPMessage.response(target: target, location: "[fe80::1]:3540")
        #expect(SSDPMessage(parsing: response.bytes) == response)
        #expect(SSDPMessage.looksLikeSSDP(response.bytes))
        // Header names are case-insensitive and bare LF line ends are accepted.
        let lower = Array("HTTP/1.1 200 OK\nst: \(target)\nal: [fe80::2]:3540\n\n".utf8)
        #expect(SSDPMessage(parsing: lower) == .response(target: target, location: "[fe80::2]:3540"))
    }

    @Test("Other SSDP traffic and garbage are ignored")
    func ssdpRejects() {
        let upnp = Array("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n\r\n".utf8)
        #expect(SSDPMessage(parsing: upnp) == nil)
        let noAL = Array("HTTP/1.1 200 OK\r\nST: urn:Microsoft Windows Peer Name Resolution Protocol: V4:IPV6:Global\r\n\r\n".utf8)
        #expect(SSDPMessage(parsing: noAL) == nil)
        #expect(SSDPMessage(parsing: [0xFF, 0xFE, 0x00]) == nil)
        #expect(SSDPMessage(parsing: [UInt8](repeating: 0x41, count: 5000)) == nil)
    }

    @Test("Endpoint text: IPv4, bracketed IPv6 with zone, defaults and clear errors")
    func endpointText() throws {
        let v4 = try EndpointText("127.0.0.2:4000")
        #expect(v4.endpoint == IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 2), port: 4000))
        #expect(v4.description == "127.0.0.2:4000")
        let v6 = try EndpointText("[::1]:3541")
        #expect(v6.endpoint == IPv6Endpoint(address: .loopback, port: 3541))
        #expect(v6.description == "[::1]:3541")
        let bare = try EndpointText("::1")
        #expect(bare.endpoint.port == 3540)
        let zoned = try EndpointText("[fe80::1%1]:3540")
        #expect(zoned.zone == 1)
        #expect(zoned.endpoint.address.isLinkLocal)
        #expect(throws: EndpointTextError.self) { try EndpointText("example.com:3540") }
        #expect(throws: EndpointTextError.self) { try EndpointText("127.0.0.1:0") }
        #expect(throws: EndpointTextError.self) { try EndpointText("[::1") }
        #expect(throws: EndpointTextError.self) { try EndpointText("[fe80::1%nosuchif0]:1") }
    }

    func temporaryDirectory() throws -> StateDirectory {
        try StateDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("pnrp-state-\(UUID().uuidString)").path)
    }

    @Test("Atomic writes leave no temporary file and set the mode")
    func atomicWrite() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        try dir.writeAtomically("x.json", Array("one".utf8))
        try dir.writeAtomically("x.json", Array("two".utf8))
        #expect(try dir.read("x.json") == Array("two".utf8))
        #expect(dir.mode(of: "x.json") == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.json"])
    }

    @Test("A corrupt cache file is reported and kept aside, never overwritten")
    func corruptCache() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        try dir.writeAtomically(CacheSnapshot.fileName, Array("{ not json".utf8))
        var warnings: [String] = []
        #expect(CacheSnapshot.load(from: dir, warnings: &warnings) == nil)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("unreadable") == true)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let aside = try #require(files.first { $0.hasPrefix("cache.json.corrupt-") })
        #expect(try dir.read(aside) == Array("{ not json".utf8))
        // A good snapshot round-trips.
        let snapshot = CacheSnapshot(savedAt: 1, clouds: [.init(scope: "Global_", endpoints: ["127.0.0.2:3540", "[::1]:3540"])])
        try snapshot.save(to: dir)
        warnings = []
        let loaded = try #require(CacheSnapshot.load(from: dir, warnings: &warnings))
        #expect(warnings.isEmpty)
        #expect(loaded.endpoints(for: .global).map(\.description) == ["127.0.0.2:3540", "[::1]:3540"])
    }

    @Test("An SSDP answer is never longer than the search it answers, even for the longest address")
    func ssdpNoAmplification() {
        let target = CloudScope.linkLocal(zone: 1).ssdpSearchTarget
        let search = SSDPMessage.search(target: target).bytes
        let longest = "[fe80:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"
        #expect(SSDPMessage.response(target: target, location: longest).bytes.count <= search.count)
    }

    @Test("A state directory that is a symbolic link is refused; one open to others is closed to 0700")
    func stateDirectoryChecks() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pnrp-dir-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let real = base + "/real"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: real)
        #expect(throws: StateError.self) { try StateDirectory(path: base + "/link") }
        _ = try StateDirectory(path: real)
        let mode = try FileManager.default.attributesOfItem(atPath: real)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }
}
