import PeerCrypto
import NetworkLab
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Expected keys come from Oracle/peercrypto_oracle.py, which runs the argon2-cffi package (the reference C
/// implementation of Argon2, not libsodium) with parallelism 1, version 0x13, and memory in KiB.
/// RFC 9106's Argon2id example needs a secret, associated data and 4 lanes, which libsodium's API cannot express.
@Suite(.onComputeThread) struct Argon2idTests {
    @Test func referenceImplementationVectors() throws {
        let a = try Argon2id.deriveKey(byteCount: 32, password: Array("password".utf8), salt: Array("0123456789abcdef".utf8),
                                       parameters: .init(passes: 2, memoryBytes: 64 * 1024))
        #expect(Hex.string(a) == "fb83b5711fd91df630b63677dee62ccd13ee6f0c4897d856b49542b9b1e9975b")
        let b = try Argon2id.deriveKey(byteCount: 16, password: [UInt8](), salt: [UInt8](repeating: 2, count: 16),
                                       parameters: .init(passes: 1, memoryBytes: 8 * 1024))
        #expect(Hex.string(b) == "8e4e04bb834884331796bb3d150be410")
        let c = try Argon2id.deriveKey(byteCount: 64, password: [UInt8](0..<64), salt: [UInt8](16..<32),
                                       parameters: .init(passes: 3, memoryBytes: 256 * 1024))
        #expect(Hex.string(c) == "cc10b4421cf3823fc45daa7a9b0573174101f1c44d47f2dd8317b3800fe7a6a9062f411c7c056d6df02f4b6641e5ecc80ec890ba546b77b2f470eaca9f5b18d6")
    }

    @Test func memoryIsUsedInWholeKiB() throws {
        let salt = Array("0123456789abcdef".utf8)
        let exact = try Argon2id.deriveKey(byteCount: 32, password: Array("password".utf8), salt: salt, parameters: .init(passes: 2, memoryBytes: 65_536))
        let ragged = try Argon2id.deriveKey(byteCount: 32, password: Array("password".utf8), salt: salt, parameters: .init(passes: 2, memoryBytes: 65_536 + 1023))
        #expect(exact == ragged)
    }

    @Test func eachInputMatters() throws {
        let p = Argon2id.Parameters(passes: 1, memoryBytes: 8192)
        let base = try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](repeating: 0, count: 16), parameters: p)
        #expect(try Argon2id.deriveKey(byteCount: 32, password: [2], salt: [UInt8](repeating: 0, count: 16), parameters: p) != base)
        #expect(try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](repeating: 1, count: 16), parameters: p) != base)
        #expect(try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](repeating: 0, count: 16), parameters: .init(passes: 2, memoryBytes: 8192)) != base)
        #expect(try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](repeating: 0, count: 16), parameters: .init(passes: 1, memoryBytes: 16384)) != base)
    }

    @Test func badInputsAreTypedErrors() {
        let salt = [UInt8](repeating: 0, count: 16)
        let ok = Argon2id.Parameters(passes: 1, memoryBytes: 8192)
        #expect(throws: Argon2idError.badSaltLength(15)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt.dropLast(), parameters: ok) }
        #expect(throws: Argon2idError.badSaltLength(0)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](), parameters: ok) }
        #expect(throws: Argon2idError.badKeyLength(15)) { try Argon2id.deriveKey(byteCount: 15, password: [1], salt: salt, parameters: ok) }
        #expect(throws: Argon2idError.badKeyLength(-1)) { try Argon2id.deriveKey(byteCount: -1, password: [1], salt: salt, parameters: ok) }
        #expect(throws: Argon2idError.passesOutOfRange(0)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt, parameters: .init(passes: 0, memoryBytes: 8192)) }
        #expect(throws: Argon2idError.passesOutOfRange(Int.max)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt, parameters: .init(passes: .max, memoryBytes: 8192)) }
        #expect(throws: Argon2idError.memoryOutOfRange(8191)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt, parameters: .init(passes: 1, memoryBytes: 8191)) }
        #expect(throws: Argon2idError.memoryOutOfRange(-8192)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt, parameters: .init(passes: 1, memoryBytes: -8192)) }
        #expect(throws: Argon2idError.memoryOutOfRange(Int.max)) { try Argon2id.deriveKey(byteCount: 32, password: [1], salt: salt, parameters: .init(passes: 1, memoryBytes: .max)) }
        #expect(Argon2id.passesRange.lowerBound == 1)
        #expect(Argon2id.memoryBytesRange.lowerBound == 8192)
        #expect(Argon2id.keyByteCountRange.lowerBound == 16)
    }

    /// True where the kernel refuses an anonymous mapping far beyond RAM and swap at once (Linux overcommit modes 0
    /// and 2). Elsewhere a 2 TiB request might be granted and then filled, so the test does not run there.
    static var kernelRefusesHugeAllocations: Bool {
        #if os(Linux)
        guard let file = fopen("/proc/sys/vm/overcommit_memory", "r") else { return false }
        defer { fclose(file) }
        let mode = fgetc(file)
        return mode == 0x30 || mode == 0x32
        #else
        return false
        #endif
    }

    @Test(.enabled(if: kernelRefusesHugeAllocations))
    func anAllocationTooLargeForTheMachineIsOutOfMemory() {
        // 2 TiB: inside libsodium's bounds, beyond what this machine can map.
        let huge = Argon2id.Parameters(passes: 1, memoryBytes: 1 << 41)
        #expect(throws: Argon2idError.outOfMemory(memoryBytes: 1 << 41)) {
            try Argon2id.deriveKey(byteCount: 32, password: [1], salt: [UInt8](repeating: 0, count: 16), parameters: huge)
        }
    }
}
