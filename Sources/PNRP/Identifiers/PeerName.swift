import PeerCrypto

/// The authority part of a peer name ([MS-PNRP] 1.3.1.1, 2.2.4): `0` for an unsecured name, or the 40 hex
/// digits of SHA-1 over the publisher's public key for a secured one.
public enum Authority: Hashable, Sendable, CustomStringConvertible {
    /// Authority `0`: anyone may publish the name.
    case unsecured
    /// The 20-byte SHA-1 of the owner's public key (the BinaryAuthority of [MS-PNRP] 3.1.4.4.1).
    case secured([UInt8])

    /// The authority of names owned by `publicKey` (SHA-1 of the raw key bytes, [MS-PNRP] 1.3.1.1).
    public static func of(publicKey: [UInt8]) -> Authority { .secured(SHA1.hash(publicKey)) }

    /// The 20 bytes hashed into the P2P ID: the digest, or 160 zero bits when unsecured
    /// ([MS-PNRP] 1.3.1.2, 3.1.4.4.1).
    public var binary: [UInt8] {
        switch self {
        case .unsecured: [UInt8](repeating: 0, count: 20)
        case .secured(let b): b
        }
    }

    /// True when the authority ties the name to a key holder.
    ///
    /// The glossary of [MS-PNRP] 1.1 defines a secure peer name as one "that has a nonzero authority", and
    /// 3.1.5.7 checks the owner's key only "if a nonzero BinaryAuthority is present". The 2.2.4 syntax does
    /// accept forty `0` digits, but such a name hashes to the same P2P ID as the unsecured one and nobody's key
    /// is checked for it, so it is reported as not secured (its text form is still kept as written).
    public var isSecured: Bool {
        switch self {
        case .unsecured: false
        case .secured(let b): b.contains { $0 != 0 }
        }
    }

    /// `0`, or 40 lowercase hex digits ([MS-PNRP] 1.3.1.1: digits "0"-"9" and "a"-"f").
    public var description: String {
        switch self {
        case .unsecured: "0"
        case .secured(let b): Hex.encode(b)
        }
    }
}

/// Why a peer name was refused. Each case names the rule of the [MS-PNRP] 2.2.4 syntax that the input breaks:
///
/// ```
/// peername        = authority "." classifier
/// authority       = "0" / secureauthority
/// secureauthority = 40auchar
/// auchar          = DIGIT / %d97-102
/// classifier      = 0*149clchar
/// clchar          = %x0001-FFFF ; any non-NULL Unicode character
/// ```
public enum PeerNameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `.` separates authority from classifier (`peername = authority "." classifier`).
    case missingSeparator
    /// The authority is neither `0` nor 40 characters long (`authority = "0" / secureauthority`,
    /// `secureauthority = 40auchar`). Carries the authority as written.
    case badAuthority(String)
    /// The 40-character authority contains a character that is not a hex digit (`auchar = DIGIT / %d97-102`).
    /// Carries the authority as written.
    case nonHexAuthority(String)
    /// The 40-character authority contains an uppercase hex digit `A`-`F`. `auchar` is `%d97-102`, lowercase
    /// only, and 1.3.1.1 derives the authority with the characters "a"-"f"; uppercase is refused rather than
    /// folded, since a folded name would no longer be the name the user typed. Carries the authority as written.
    case uppercaseAuthority(String)
    /// A secured authority built in code does not have the 20 bytes of a SHA-1 digest (3.1.4.4.1: "the
    /// 160-bit binary number"). Carries the byte count.
    case secureAuthorityByteCount(Int)
    /// The classifier is longer than 149 UTF-16 code units (`classifier = 0*149clchar`; 1.3.1.1: "up to 150
    /// characters long (counting the terminating null character)"). Carries the length.
    case classifierTooLong(Int)
    /// The classifier contains a NUL character (`clchar = %x0001-FFFF`).
    case nulInClassifier

    public var description: String {
        switch self {
        case .missingSeparator:
            "a peer name is AUTHORITY.CLASSIFIER: no '.' found (example: 0.my-printer) [MS-PNRP 2.2.4]"
        case .badAuthority(let a):
            "authority '\(a)' must be 0 (unsecured) or 40 hexadecimal digits (the SHA-1 of the owner's public key) [MS-PNRP 2.2.4]"
        case .nonHexAuthority(let a):
            "authority '\(a)' has 40 characters but not all are hexadecimal digits 0-9, a-f [MS-PNRP 2.2.4]"
        case .uppercaseAuthority(let a):
            "authority '\(a)' uses uppercase hex digits; peer names spell them in lowercase (try '\(a.lowercasedASCII)') [MS-PNRP 2.2.4]"
        case .secureAuthorityByteCount(let n):
            "a secured authority is a 20-byte SHA-1 digest, not \(n) bytes [MS-PNRP 3.1.4.4.1]"
        case .classifierTooLong(let n):
            "the classifier has \(n) UTF-16 code units; at most \(PeerName.maximumClassifierLength) are allowed [MS-PNRP 2.2.4]"
        case .nulInClassifier:
            "the classifier contains a NUL character, which peer names may not contain [MS-PNRP 2.2.4]"
        }
    }
}

/// A peer name `authority.classifier` ([MS-PNRP] 1.3.1.1, 2.2.4).
///
/// Parsing follows the 2.2.4 syntax exactly:
/// - The authority is split off at the first `.` (U+002E); it cannot contain one, so the classifier is
///   everything after it and may itself contain dots.
/// - The authority is `0` or exactly 40 lowercase hex digits. Uppercase digits are refused, not folded.
/// - The classifier is 0 to 149 UTF-16 code units, none of them NUL. The spec's `clchar = %x0001-FFFF`
///   describes WCHARs (Windows' UTF-16 code units), so a character outside the BMP is a surrogate pair and
///   counts as two. An empty classifier (`0.`) is valid.
/// - Nothing is trimmed, case-folded or Unicode-normalised: whitespace is an ordinary classifier character,
///   and `"caf\u{E9}"` and `"cafe\u{301}"` are different classifiers with different P2P IDs. Equality and
///   hashing therefore compare UTF-16 code units, not Swift's canonically-equivalent `String` equality.
public struct PeerName: Hashable, Sendable, CustomStringConvertible {
    /// Longest classifier, in UTF-16 code units ([MS-PNRP] 2.2.4 `0*149clchar`).
    public static let maximumClassifierLength = 149

    /// Who may publish the name.
    public let authority: Authority
    /// The free-form part after the first `.`, exactly as given.
    public let classifier: String

    /// Parses and validates `text` against [MS-PNRP] 2.2.4.
    public init(_ text: String) throws(PeerNameError) {
        let scalars = text.unicodeScalars
        guard let dot = scalars.firstIndex(of: ".") else { throw .missingSeparator }
        let a = String(scalars[..<dot])
        let c = String(scalars[scalars.index(after: dot)...])
        try self.init(authority: Self.parseAuthority(a), classifier: c)
    }

    /// Builds a name from its parts, validating the authority's size and the classifier ([MS-PNRP] 2.2.4).
    public init(authority: Authority, classifier: String) throws(PeerNameError) {
        if case .secured(let b) = authority, b.count != 20 { throw .secureAuthorityByteCount(b.count) }
        let units = classifier.utf16.count
        guard units <= Self.maximumClassifierLength else { throw .classifierTooLong(units) }
        guard !classifier.utf16.contains(0) else { throw .nulInClassifier }
        self.authority = authority
        self.classifier = classifier
    }

    /// Parses the authority string: `"0"` or 40 of `0-9 a-f`.
    private static func parseAuthority(_ a: String) throws(PeerNameError) -> Authority {
        let scalars = Array(a.unicodeScalars)
        if scalars == ["0"] { return .unsecured }
        guard scalars.count == 40 else { throw .badAuthority(a) }
        var nibbles = [UInt8]()
        nibbles.reserveCapacity(40)
        var sawUppercase = false
        for s in scalars {
            switch s.value {
            case 0x30...0x39: nibbles.append(UInt8(s.value - 0x30))
            case 0x61...0x66: nibbles.append(UInt8(s.value - 0x61 + 10))
            case 0x41...0x46: sawUppercase = true; nibbles.append(0)
            default: throw .nonHexAuthority(a)
            }
        }
        if sawUppercase { throw .uppercaseAuthority(a) }
        return .secured(stride(from: 0, to: 40, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] })
    }

    /// SHA-1 of the classifier's UTF-16LE code units, no terminator: the ClassifierHash of [MS-PNRP] 3.1.4.4.1.
    /// The spec writes SHA-1(Classifier) without naming an encoding; the classifier is a WCHAR string (2.2.4
    /// counts it in WCHARs, 2.2.2.6.1 carries it as non-NULL-terminated WCHAR entries), and the hash is taken
    /// over Windows' in-memory WCHARs, which are little-endian (see `docs/deviations.md`, item W4).
    public var classifierHash: [UInt8] { SHA1.hash(classifierUTF16LE) }

    /// The classifier as UTF-16LE bytes, no terminator.
    public var classifierUTF16LE: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(classifier.utf16.count * 2)
        for u in classifier.utf16 { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
        return out
    }

    /// The P2P ID derived from this name ([MS-PNRP] 3.1.4.4.1).
    public var p2pID: P2PID { P2PID(name: self) }

    /// True when only the holder of the authority's key may publish this name (see `Authority.isSecured`).
    public var isSecured: Bool { authority.isSecured }

    /// The text form, `authority.classifier`; parsing it gives back an equal name.
    public var description: String { "\(authority).\(classifier)" }

    /// Equal when the authorities are equal and the classifiers have the same UTF-16 code units.
    public static func == (a: PeerName, b: PeerName) -> Bool {
        a.authority == b.authority && a.classifier.utf16.elementsEqual(b.classifier.utf16)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(authority)
        hasher.combine(classifier.utf16.count)
        for u in classifier.utf16 { hasher.combine(u) }
    }
}

extension String {
    func leftPadded(to n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }

    /// The string with ASCII `A`-`Z` lowered and everything else untouched.
    var lowercasedASCII: String {
        String(String.UnicodeScalarView(unicodeScalars.map { s in
            (0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value + 0x20)! : s
        }))
    }
}
