import PeerCrypto

/// The authority part of a peer name ([MS-PNRP] 1.3.1, 2.2.4): `0` for an unsecured name, or the 40 hex
/// digits of SHA-1 over the publisher's public key for a secured one.
public enum Authority: Hashable, Sendable, CustomStringConvertible {
    /// Authority `0`: anyone may publish the name.
    case unsecured
    /// The 20-byte SHA-1 of the owner's public key; only the key holder can publish the name.
    case secured([UInt8])

    /// The authority of names owned by `publicKey` (SHA-1 of the raw key bytes).
    public static func of(publicKey: [UInt8]) -> Authority { .secured(SHA1.hash(publicKey)) }

    /// The 20 bytes hashed into the P2P ID: the digest, or 20 zero bytes when unsecured ([MS-PNRP] 3.1.4.3).
    public var binary: [UInt8] {
        switch self {
        case .unsecured: [UInt8](repeating: 0, count: 20)
        case .secured(let b): b
        }
    }

    /// True for a secured authority.
    public var isSecured: Bool { if case .secured = self { true } else { false } }

    /// `0`, or 40 lowercase hex digits.
    public var description: String {
        switch self {
        case .unsecured: "0"
        case .secured(let b): b.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        }
    }
}

/// Why a peer name was refused. Each case names the rule of [MS-PNRP] 2.2.4 that the input breaks.
public enum PeerNameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `.` separates authority from classifier.
    case missingSeparator
    /// The authority is neither `0` nor 40 hex digits.
    case badAuthority(String)
    /// The classifier is empty.
    case emptyClassifier
    /// The classifier is longer than 149 UTF-16 code units.
    case classifierTooLong(Int)
    /// The classifier contains a NUL character.
    case nulInClassifier

    public var description: String {
        switch self {
        case .missingSeparator:
            "a peer name is AUTHORITY.CLASSIFIER: no '.' found (example: 0.my-printer)"
        case .badAuthority(let a):
            "authority '\(a)' must be 0 (unsecured) or 40 hexadecimal digits (the SHA-1 of the owner's public key)"
        case .emptyClassifier:
            "the classifier after the first '.' is empty"
        case .classifierTooLong(let n):
            "the classifier has \(n) UTF-16 code units; at most \(PeerName.maximumClassifierLength) are allowed"
        case .nulInClassifier:
            "the classifier contains a NUL character, which peer names may not contain"
        }
    }
}

/// A peer name `authority.classifier` ([MS-PNRP] 1.3.1, 2.2.4).
///
/// The authority is split at the first `.`; the classifier is everything after it and may itself contain
/// dots. Hex digits of a secured authority are accepted in either case and kept in lowercase, the form the
/// spec writes; the classifier is kept exactly as given (no case folding or Unicode normalisation).
public struct PeerName: Hashable, Sendable, CustomStringConvertible {
    /// Longest classifier, in UTF-16 code units ([MS-PNRP] 2.2.4).
    public static let maximumClassifierLength = 149

    /// Who may publish the name.
    public let authority: Authority
    /// The free-form part after the first `.`.
    public let classifier: String

    /// Parses and validates `text`.
    public init(_ text: String) throws(PeerNameError) {
        guard let dot = text.firstIndex(of: ".") else { throw .missingSeparator }
        let a = String(text[..<dot])
        let c = String(text[text.index(after: dot)...])
        let authority: Authority
        if a == "0" {
            authority = .unsecured
        } else {
            let utf8 = Array(a.utf8)
            guard utf8.count == 40, let bytes = Self.hexBytes(utf8) else { throw .badAuthority(a) }
            authority = .secured(bytes)
        }
        try self.init(authority: authority, classifier: c)
    }

    /// Builds a name from its parts, validating the classifier.
    public init(authority: Authority, classifier: String) throws(PeerNameError) {
        if case .secured(let b) = authority, b.count != 20 { throw .badAuthority(Authority.secured(b).description) }
        let units = classifier.utf16.count
        guard units > 0 else { throw .emptyClassifier }
        guard units <= Self.maximumClassifierLength else { throw .classifierTooLong(units) }
        guard !classifier.utf16.contains(0) else { throw .nulInClassifier }
        self.authority = authority
        self.classifier = classifier
    }

    /// SHA-1 of the classifier's UTF-16LE code units, no terminator (see `docs/deviations.md`, item W4).
    public var classifierHash: [UInt8] { SHA1.hash(classifierUTF16LE) }

    /// The classifier as UTF-16LE bytes.
    public var classifierUTF16LE: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(classifier.utf16.count * 2)
        for u in classifier.utf16 { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
        return out
    }

    /// The P2P ID derived from this name ([MS-PNRP] 3.1.4.3).
    public var p2pID: P2PID { P2PID(name: self) }

    /// True when only the holder of the authority's key may publish this name.
    public var isSecured: Bool { authority.isSecured }

    /// The normalised text form, `authority.classifier`.
    public var description: String { "\(authority).\(classifier)" }

    private static func hexBytes(_ ascii: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(ascii.count / 2)
        var i = 0
        while i + 1 < ascii.count {
            guard let h = nibble(ascii[i]), let l = nibble(ascii[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}

extension String {
    func leftPadded(to n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}
