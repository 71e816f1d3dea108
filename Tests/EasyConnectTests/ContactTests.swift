import EasyConnect
import Foundation
import PNRP
import PeerCrypto
import NetworkLab
import Testing

@Suite("Contacts: trust records, contact invitations, SIGMA-I handshake", .onComputeThread)
struct ContactTests {
    static let helperPeer = PeerIdentity(key: Fixtures.helperIdentity.key.publicKey, displayName: "Hector", computerName: "hector-desk")

    // MARK: RAContactHistory.xml

    @Test("A history round-trips through its XML, most recent first, with the Windows attribute set")
    func historyRoundTrip() throws {
        var history = ContactHistory()
        try history.remember(Self.helperPeer, atMicroseconds: 1_700_000_000_123_456)
        let other = PeerIdentity(key: Fixtures.key(9).publicKey, displayName: "Olga <&\"'>", computerName: "olga\u{1}pc")
        try history.remember(other, atMicroseconds: 1_700_000_100_000_000)
        let bytes = history.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("<RAINVITATIONCOLL>") && text.contains("<RAINVITATIONITEM"))
        for attribute in ["NAME=", "COMPUTERNAME=", "AVATAR=", "PUBLICKEY=", "ADDRESS=", "TYPE=\"1\"", "TIME=\"20231114221320.123456\""] {
            #expect(text.contains(attribute), "\(attribute) in \(text)")
        }
        let read = try ContactHistory(parsing: bytes)
        #expect(read.records.count == 2)
        #expect(read.records[0].publicKey == other.key && read.records[0].name == "Olga <&\"'>")
        #expect(read.records[0].computerName == "olga\u{FFFD}pc", "control characters never reach the file")
        #expect(read.records[1].address.description == Self.helperPeer.contactAddress)
        #expect(read.records[1].lastSessionMicroseconds == 1_700_000_000_123_456)
        #expect(read == history || read.records.map(\.publicKey) == history.records.map(\.publicKey))
        let (_, key) = try read.trustedKey(for: ContactAddress(parsing: Self.helperPeer.contactAddress))
        #expect(key == Self.helperPeer.key)
    }

    @Test("Time stamps: YYYYMMDDHHMMSS.ffffff in UTC, both ways, and malformed ones refused")
    func times() {
        #expect(ContactRecord.timeText(microseconds: 0) == "19700101000000.000000")
        #expect(ContactRecord.timeText(microseconds: 951_782_400_000_001) == "20000229000000.000001")
        for micros: Int64 in [0, 1, 951_782_400_000_001, 4_102_444_799_999_999, 1_700_000_000_123_456] {
            #expect(ContactRecord.microseconds(fromTimeText: ContactRecord.timeText(microseconds: micros)) == micros)
        }
        #expect(ContactRecord.microseconds(fromTimeText: "20230229000000.0") == nil)
        for bad in ["", "2023", "20231301000000.000000", "20231114246000.000000", "2023111422132a.000000", "20231114221320.1234567", "20231114221320.-1"] {
            #expect(ContactRecord.microseconds(fromTimeText: bad) == nil, "\(bad)")
        }
        #expect(ContactRecord.microseconds(fromTimeText: "20231114221320") != nil)
    }

    @Test("A record whose key was replaced is refused with both fingerprints; the other contacts stay usable")
    func tamperedKey() throws {
        var history = ContactHistory()
        try history.remember(Self.helperPeer, atMicroseconds: 1)
        try history.remember(PeerIdentity(key: Fixtures.key(9).publicKey, displayName: "Olga", computerName: "o"), atMicroseconds: 2)
        let attacker = Fixtures.key(66).publicKey
        let text = String(decoding: history.encoded(), as: UTF8.self).replacingOccurrences(
            of: Data(Self.helperPeer.key.bytes).base64EncodedString(), with: Data(attacker.bytes).base64EncodedString())
        let read = try ContactHistory(parsing: Array(text.utf8))
        let address = try ContactAddress(parsing: Self.helperPeer.contactAddress)
        #expect(read.record(for: address)?.isConsistent == false)
        do {
            _ = try read.trustedKey(for: address)
            Issue.record("a replaced key was trusted")
        } catch {
            #expect(error.description.contains(Self.helperPeer.fingerprint) && error.description.contains(PeerIdentity.fingerprint(of: attacker)), "\(error)")
        }
        #expect(throws: Never.self) { try read.trustedKey(for: ContactAddress(of: Fixtures.key(9).publicKey)) }
        // Remembering the real contact again does not silently replace the changed record.
        var copy = read
        #expect(throws: ContactError.self) { try copy.remember(Self.helperPeer, atMicroseconds: 3) }
        #expect(copy == read)
    }

    @Test("Malformed or hostile history files are refused with the reason", arguments: [
        ("", "no XML element"),
        ("<RAINVITATIONCOLL>", "malformed"),
        ("<RAINVITATIONCOLL><RAINVITATIONITEM NAME='a'></RAINVITATIONCOLL>", "malformed"),
        ("<OTHER/>", "<OTHER>"),
        ("<?xml version='1.0'?><!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><RAINVITATIONCOLL>&x;</RAINVITATIONCOLL>", "document type"),
        ("<RAINVITATIONCOLL><RAINVITATIONITEM NAME='a' PUBLICKEY='AAAA' ADDRESS='x' TYPE='1' TIME='20231114221320.0'/></RAINVITATIONCOLL>", "PUBLICKEY"),
        ("<RAINVITATIONCOLL><RAINVITATIONITEM NAME='a' PUBLICKEY='%%%' ADDRESS='x' TYPE='1' TIME='1'/></RAINVITATIONCOLL>", "not base64"),
        ("<RAINVITATIONCOLL><RAINVITATIONITEM NAME='a' ADDRESS='x' TYPE='1' TIME='1'/></RAINVITATIONCOLL>", "PUBLICKEY attribute is missing"),
        ("<RAINVITATIONCOLL><X/></RAINVITATIONCOLL>", "<X>"),
        ("<RAINVITATIONCOLL/>trailing", "malformed"),
    ])
    func malformed(_ text: String, _ expected: String) {
        do {
            _ = try ContactHistory(parsing: Array(text.utf8))
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("Two records for one address are refused (removing one would leave the other trusted); a new contact using an existing contact's name is found")
    func duplicatesAndNamesakes() throws {
        var history = ContactHistory()
        try history.remember(Self.helperPeer, atMicroseconds: 1)
        let text = String(decoding: history.encoded(), as: UTF8.self)
        let item = try #require(text.range(of: "<RAINVITATIONITEM")).lowerBound
        let line = text[item...].prefix { $0 != "\n" }
        let doubled = text.replacingOccurrences(of: String(line), with: String(line) + "\n" + String(line))
        #expect(throws: ContactError.self) { try ContactHistory(parsing: Array(doubled.utf8)) }
        let impostor = PeerIdentity(key: Fixtures.key(66).publicKey, displayName: "Hector", computerName: "x")
        #expect(history.others(named: "Hector", than: ContactAddress(of: impostor.key)).map(\.address) == [ContactAddress(of: Self.helperPeer.key)])
        #expect(history.others(named: "Hector", than: ContactAddress(of: Self.helperPeer.key)).isEmpty)
    }

    @Test("Other encodings are refused: UTF-16 hiding a document type declaration, a declared Latin-1")
    func encodings() {
        let doctype = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"INJECTED\">]><RAINVITATIONCOLL/>"
        let utf16 = Array(doctype.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let latin1 = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><RAINVITATIONCOLL/>".utf8)
        for bytes in [utf16, latin1] {
            #expect(throws: ContactError.self) { try ContactHistory(parsing: bytes) }
        }
        #expect(throws: SessionLogError.notUTF8) { try SessionLog(parsing: Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SESSION/>".utf8)) }
        #expect(throws: Never.self) { try ContactHistory(parsing: Array("<?xml version='1.0' encoding='UTF-8'?><RAINVITATIONCOLL/>".utf8)) }
    }

    @Test("Bad fields of an item are named: address, type, time")
    func badFields() throws {
        var history = ContactHistory()
        try history.remember(Self.helperPeer, atMicroseconds: 1)
        let good = String(decoding: history.encoded(), as: UTF8.self)
        for (from, to, reason) in [
            (Self.helperPeer.contactAddress, "nothex.RAContact", "ADDRESS"), ("TYPE=\"1\"", "TYPE=\"x\"", "TYPE"), ("TIME=\"19700101000000.000001\"", "TIME=\"soon\"", "TIME"),
        ] {
            let bad = good.replacingOccurrences(of: from, with: to)
            #expect(bad != good)
            #expect(throws: ContactError.self) { try ContactHistory(parsing: Array(bad.utf8)) }
            do { _ = try ContactHistory(parsing: Array(bad.utf8)) } catch { #expect(error.description.contains(reason), "\(error)") }
        }
        // Non-UTF-8 bytes.
        #expect(throws: ContactError.self) { try ContactHistory(parsing: [0x3C, 0xFF, 0xFE, 0x3E]) }
    }

    @Test("Contact addresses: with or without .RAContact, any case; anything else refused")
    func addresses() throws {
        let f = Self.helperPeer.fingerprint
        #expect(try ContactAddress(parsing: f).description == f + ".RAContact")
        #expect(try ContactAddress(parsing: " " + f.uppercased() + ".racontact ").fingerprint == f)
        for bad in ["", "abc", f + ".EasyConnect", String(f.dropLast()) + "g", f + "0"] {
            #expect(throws: ContactError.self) { try ContactAddress(parsing: bad) }
        }
    }

    // MARK: Contact invitations

    @Test("A contact invitation opens only for its contact, under its name, unchanged")
    func contactInvitation() throws {
        var entropy = try DeterministicEntropy(seed32: Fixtures.seed(3))
        let invitation = Fixtures.invitation()
        let name = ContactInvitation.name(of: Fixtures.userIdentity.key.publicKey)
        #expect(name.description == PeerIdentity.fingerprint(of: Fixtures.userIdentity.key.publicKey) + ".RAContact")
        let sealed = try ContactInvitation.seal(invitation, under: name, for: Fixtures.helperIdentity.key.publicKey, entropy: &entropy)
        #expect(try ContactInvitation.open(sealed, under: name, with: Fixtures.helperIdentity.key) == invitation)
        #expect(throws: InvitationError.cannotOpen) { try ContactInvitation.open(sealed, under: name, with: Fixtures.key(9)) }
        let otherName = ContactInvitation.name(of: Fixtures.key(9).publicKey)
        #expect(throws: InvitationError.cannotOpen) { try ContactInvitation.open(sealed, under: otherName, with: Fixtures.helperIdentity.key) }
        for i in stride(from: 1, to: sealed.count, by: 7) {
            var bad = sealed
            bad[i] ^= 0x20
            #expect(throws: InvitationError.self) { try ContactInvitation.open(bad, under: name, with: Fixtures.helperIdentity.key) }
        }
        #expect(throws: InvitationError.self) { try ContactInvitation.open(Array(sealed.prefix(60)), under: name, with: Fixtures.helperIdentity.key) }
        #expect(throws: InvitationError.self) { try ContactInvitation.open([], under: name, with: Fixtures.helperIdentity.key) }
        // The cloud sees neither the endpoints nor the names.
        let plain = try invitation.encoded()
        #expect(!sealed.indices.contains { i in sealed[i...].starts(with: plain[30..<40]) })
    }

    // MARK: SIGMA-I handshake

    @Test("Contact keys that match: authenticated, consent, Screen Sharing; no password involved")
    func contactHandshake() throws {
        var pair = ConnectionPair(contactUserExpects: Fixtures.helperIdentity.key.publicKey, helperExpects: Fixtures.userIdentity.key.publicKey)
        let (h, u) = pair.pump()
        #expect(h.contains(.authenticated) && u.contains(.authenticated))
        guard case .consentRequested(let peer) = u.last else {
            Issue.record("no consent request: \(u)")
            return
        }
        #expect(peer.key == Fixtures.helperIdentity.key.publicKey)
        try pair.user.answerConsent(true, now: pair.now)
        pair.pump()
        #expect(pair.user.isInSession && pair.helper.isInSession)
        try pair.helper.sendChat("hello", now: pair.now)
        let (_, heard) = pair.pump()
        #expect(heard == [.chat("hello")])
        #expect(!u.contains(.attemptFailed))
    }

    @Test("A Helper proving another key than the User's record is refused, naming both fingerprints, before any consent")
    func helperKeyMismatch() throws {
        let impostor = LocalIdentity(key: Fixtures.key(66), displayName: "Hector", computerName: "hector-desk")
        var pair = ConnectionPair(
            contactUserExpects: Fixtures.helperIdentity.key.publicKey, helperExpects: Fixtures.userIdentity.key.publicKey, helperIdentity: impostor)
        let (h, u) = pair.pump()
        #expect(!u.contains { if case .consentRequested = $0 { true } else { false } })
        guard case .closed(.refusedByUs(let refusal)) = u.last, case .closed(.refusedByPeer(let told)) = h.last else {
            Issue.record("not refused: \(h) \(u)")
            return
        }
        #expect(refusal.code == .keyMismatch && told.code == .keyMismatch)
        let expected = PeerIdentity.fingerprint(of: Fixtures.helperIdentity.key.publicKey), proven = PeerIdentity.fingerprint(of: Fixtures.key(66).publicKey)
        #expect(refusal.reason.contains(expected) && refusal.reason.contains(proven), "\(refusal.reason)")
    }

    @Test("A Helper whose record holds another User key refuses the User, naming both fingerprints")
    func userKeyMismatch() throws {
        var pair = ConnectionPair(contactUserExpects: Fixtures.helperIdentity.key.publicKey, helperExpects: Fixtures.key(77).publicKey)
        let (h, _) = pair.pump()
        guard case .closed(.refusedByUs(let refusal)) = h.last else {
            Issue.record("not refused: \(h)")
            return
        }
        #expect(refusal.code == .keyMismatch)
        #expect(refusal.reason.contains(PeerIdentity.fingerprint(of: Fixtures.key(77).publicKey)))
        #expect(refusal.reason.contains(PeerIdentity.fingerprint(of: Fixtures.userIdentity.key.publicKey)))
        #expect(!pair.user.isInSession)
    }

    @Test("A password Helper cannot talk to a contact listener: the shares do not agree and nothing is authenticated")
    func mixedCredentials() {
        var pair = ConnectionPair(contactUserExpects: Fixtures.helperIdentity.key.publicKey, helperExpects: nil)
        pair.helper = EasyConnectConnection(
            helperWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.helperIdentity, randomSeed: Fixtures.seed(10), now: Fixtures.now)
        let (h, u) = pair.pump()
        #expect(!h.contains(.authenticated) && !u.contains(.authenticated))
        #expect(pair.helper.isClosed || pair.user.isClosed)
    }

    @Test("A small-order X25519 share is refused as a protocol violation")
    func weakShare() throws {
        var user = EasyConnectConnection(
            userWith: .contact(expectedKey: Fixtures.helperIdentity.key.publicKey), invitation: Fixtures.invitation(), identity: Fixtures.userIdentity,
            randomSeed: Fixtures.seed(11), now: Fixtures.now)
        _ = user.takeOutput()
        let sid = [UInt8](repeating: 5, count: 16)
        let hello = HandshakeMessage.helperHello(
            sessionID: sid, proof: HandshakeMessage.invitationProof(invitationID: Fixtures.invitation().id, sessionID: sid), share: [UInt8](repeating: 0, count: 32))
        user.receive(RecordBuffer.frame(try hello.encoded()), now: Fixtures.now)
        guard case .protocolViolation = user.closeReason else {
            Issue.record("accepted a zero share: \(String(describing: user.closeReason))")
            return
        }
    }
}

@Suite("Offer listeners and contact invitations count no password attempts", .onComputeThread)
struct KnownKeyAttemptTests {
    @Test("Strangers who read an offer listener's invitation and give up after the User's share cannot withdraw it")
    func strangersCannotWithdraw() throws {
        var configuration = UserInvitationConfiguration()
        configuration.announcesInvitation = true
        var user = UserInvitation(
            credential: .contact(expectedKey: nil), invitation: Fixtures.invitation(), identity: Fixtures.userIdentity, configuration: configuration,
            randomSeed: Fixtures.seed(20))
        var events: [UserInvitationEvent] = []
        var entropy = try DeterministicEntropy(seed32: Fixtures.seed(44))
        for n in 1...6 {
            let id = ConnectionID(UInt64(n))
            user.accept(id, now: Fixtures.now)
            // The greeting gives the stranger the invitation, hence its ID and a valid proof.
            var greeting: [UInt8] = []
            for case .send(let to, let records) in user.takeEffects() where to == id { greeting += records.joined() }
            var reader = RecordBuffer(maximumRecordBytes: 1 << 16)
            reader.append(contentsOf: greeting)
            guard let body = try reader.nextRecord(), case .offerGreeting(let plain) = try HandshakeMessage(decoding: Array(body)) else {
                Issue.record("no offer greeting")
                return
            }
            let invitation = try Invitation(decoding: plain)
            let sid = [UInt8](repeating: UInt8(n), count: 16)
            let hello = HandshakeMessage.helperHello(
                sessionID: sid, proof: HandshakeMessage.invitationProof(invitationID: invitation.id, sessionID: sid), share: X25519PrivateKey(entropy: &entropy).publicKey.bytes)
            user.receive(id, RecordBuffer.frame(try hello.encoded()), now: Fixtures.now)
            // It receives the User's share, then goes away.
            user.transportClosed(id, now: Fixtures.now)
            for case .event(let e) in user.takeEffects() { events.append(e) }
        }
        #expect(user.failedAttempts == 0)
        #expect(user.state == .waiting, "\(events)")
        #expect(!events.contains { if case .attemptFailed = $0 { true } else { false } })
    }
}
