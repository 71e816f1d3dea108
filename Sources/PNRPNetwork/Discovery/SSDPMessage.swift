import PNRP

/// The two SSDP messages of PNRP's multicast cloud discovery ([MS-PNRP] 3.1.4.2.2, 3.1.5.1; SSDP as in
/// UPnP Device Architecture 1.0 section 1): an M-SEARCH sent to the link-scope group `[FF02::C]:1900` with the
/// search target `CloudScope.ssdpSearchTarget`, and the unicast
/// `200 OK` a cloud member returns, whose `AL` header is the member's PNRP endpoint in RFC 2732 form
/// (`[fe80::1]:3540`).
public enum SSDPMessage: Hashable, Sendable {
    /// A search for members of the cloud named by the target.
    case search(target: String)
    /// An answer: the target searched and the member's endpoint text.
    case response(target: String, location: String)

    /// The SSDP port.
    public static let port: UInt16 = 1900
    /// The IPv6 link-local SSDP group.
    public static let ipv6Group = "ff02::c"

    /// The message as text.
    public var text: String {
        switch self {
        case .search(let target):
            "M-SEARCH * HTTP/1.1\r\nHOST: [FF02::C]:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: \(target)\r\n\r\n"
        case .response(let target, let location):
            // Only what PNRP reads (ST, AL): an answer never longer than the search it answers.
            "HTTP/1.1 200 OK\r\nST: \(target)\r\nAL: \(location)\r\n\r\n"
        }
    }

    /// The message as bytes.
    public var bytes: [UInt8] { Array(text.utf8) }

    /// True when `datagram` starts like SSDP text rather than a PNRP message.
    public static func looksLikeSSDP(_ datagram: [UInt8]) -> Bool {
        datagram.starts(with: Array("HTTP/".utf8)) || datagram.starts(with: Array("M-SEARCH".utf8))
    }

    /// Parses a datagram; nil for anything that is not a well-formed PNRP search or response. Lines are
    /// CRLF- or LF-terminated, header names case-insensitive; at most 2 KB is read.
    public init?(parsing datagram: [UInt8]) {
        guard datagram.count <= 2048 else { return nil }
        // Split on LF bytes ("\r\n" is one Character in Swift, so split the bytes), dropping a trailing CR.
        var lines: [String] = []
        for raw in datagram.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let bytes = raw.last == 0x0D ? raw.dropLast() : raw
            guard let line = String(validating: bytes, as: UTF8.self) else { return nil }
            lines.append(line)
        }
        guard let first = lines.first else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces.uppercased()
            headers[name] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        guard let target = headers["ST"], target.hasPrefix("urn:Microsoft Windows Peer Name Resolution Protocol:") else { return nil }
        if first.hasPrefix("M-SEARCH ") {
            guard headers["MAN"]?.contains("ssdp:discover") == true else { return nil }
            self = .search(target: target)
        } else if first.hasPrefix("HTTP/1.1 200") {
            guard let location = headers["AL"], !location.isEmpty else { return nil }
            self = .response(target: target, location: location)
        } else {
            return nil
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
