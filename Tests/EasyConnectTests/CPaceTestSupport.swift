import PNRP

/// Hex conversion for the CPace test literals. Whitespace in a literal is ignored, so long vectors can wrap.
enum CPaceHex {
    static func string(_ bytes: some Collection<UInt8>) -> String { Hex.encode(bytes) }

    static func bytes(_ text: String) -> [UInt8] { Hex.decode(text.filter { !$0.isWhitespace })! }
}
