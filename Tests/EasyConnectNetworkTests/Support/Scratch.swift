import Foundation

/// A temporary directory of one test, removed by `remove()`.
struct Scratch: Sendable {
    let path: String

    /// A new directory named after `label` in `root` (a path ending in `/`; default the temporary directory).
    init(_ label: String, in root: String = NSTemporaryDirectory()) throws {
        let template = root + "ec-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw TestFailure("cannot create a temporary directory for \(label)") }
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A subdirectory (created).
    func directory(_ name: String) throws -> String {
        let p = path + "/" + name
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        guard FileManager.default.createFile(atPath: p, contents: Data(bytes)) else { throw TestFailure("cannot write \(p)") }
        return p
    }

    /// Every entry under the directory, relative, sorted (hidden ones included).
    func listing(_ sub: String = "") -> [String] {
        let root = sub.isEmpty ? path : path + "/" + sub
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        return e.compactMap { $0 as? String }.sorted()
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A failed precondition of a test harness, with what went wrong.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random bytes (SplitMix64): recognisable content that no protocol field repeats.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var out = [UInt8]()
    out.reserveCapacity(count + 8)
    while out.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z.littleEndian) { out.append(contentsOf: $0) }
    }
    out.removeLast(out.count - count)
    return out
}
