import Foundation
import PNRP
import NetworkLab
import Testing

/// The rule for showing text that came from the network or a file.
@Suite("VisibleText", .onComputeThread)
struct VisibleTextTests {
    @Test("Controls become visible escapes, backslashes are doubled, other text is untouched")
    func escaping() {
        #expect(VisibleText.escaped("0.printer é 漢字 🙂") == "0.printer é 漢字 🙂")
        #expect(VisibleText.escaped("\u{1B}[31mRED\u{07}\r\n\t") == "\\u{1b}[31mRED\\u{7}\\u{d}\\u{a}\\u{9}")
        #expect(VisibleText.escaped("a\u{7F}b\u{85}c\u{9B}d\u{2028}e\u{202E}f\u{2066}") == "a\\u{7f}b\\u{85}c\\u{9b}d\\u{2028}e\\u{202e}f\\u{2066}")
        // A literal "\u{1b}" cannot pass for an escaped ESC.
        #expect(VisibleText.escaped("\\u{1b}") == "\\\\u{1b}")
        for scalar in (0...0x3000).compactMap(Unicode.Scalar.init) {
            let shown = VisibleText.escaped(String(scalar))
            #expect(!shown.unicodeScalars.contains(where: VisibleText.isControl), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("JSON from an encoder: every control escaped, and it decodes to the same text")
    func json() throws {
        let text = "\u{1B}]0;t\u{07}\r\u{7F}\u{85}\u{9F}\u{2029}\u{202A}\u{2069} end"
        for formatting: JSONEncoder.OutputFormatting in [[.sortedKeys], [.prettyPrinted, .sortedKeys]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            let json = VisibleText.escapingJSONControls(String(decoding: try encoder.encode(["comment": text]), as: UTF8.self))
            #expect(!json.unicodeScalars.contains { VisibleText.isControl($0) && $0 != "\n" }, "\(json)")
            #expect(try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) == ["comment": text])
        }
    }

    @Test("UTF-8 validation agrees with the standard library; invalid bytes are shown as \\x{..}")
    func utf8() {
        #expect(VisibleText.firstInvalidUTF8Offset(Array("0.é🙂".utf8)) == nil)
        #expect(VisibleText.firstInvalidUTF8Offset([0x30, 0x2E, 0xFF]) == 2)
        #expect(VisibleText.escaped(utf8: [0x30, 0x2E, 0xFF, 0x1B, 0x61]) == "0.\\x{ff}\\u{1b}a")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                [UInt8.random(in: 0...0x7F, using: &generator), UInt8.random(in: 0x80...0xFF, using: &generator), 0xE0, 0xED, 0xF0, 0xF4, 0xC2, 0xBF].randomElement(using: &generator)!
            }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            #expect((VisibleText.firstInvalidUTF8Offset(bytes) == nil) == valid, "\(bytes)")
        }
    }
}
