import CZlib
import EasyConnect

/// zlib's deflate for screen frames (`FrameEncoding.deflate`), each frame compressed on its own so that no
/// dictionary is shared between frames, and inflated into a bounded buffer: a small message cannot make
/// the receiver allocate more than `maximumFrameBytes`.
public enum FrameCompression {
    /// The largest inflated frame accepted (a frame of the largest screen is far smaller).
    public static let maximumFrameBytes = 8 << 20

    /// `bytes` in zlib format (RFC 1950), at the default compression level.
    public static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &bound, i.baseAddress, uLong(i.count), Z_DEFAULT_COMPRESSION) }
        }
        guard status == Z_OK else { return [] }
        out.removeLast(out.count - Int(bound))
        return out
    }

    /// The inflated bytes; malformed input, or more than `maximumFrameBytes`, is a `MessageError`.
    public static func inflate(_ bytes: [UInt8]) throws(MessageError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .unencodable("zlib could not start") }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: min(maximumFrameBytes, max(4096, bytes.count * 8)))
        var produced = 0
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { i -> Int32 in
            stream.next_in = i.baseAddress
            stream.avail_in = uInt(i.count)
            while true {
                if produced == out.count {
                    guard out.count < maximumFrameBytes else { return Z_BUF_ERROR }
                    out.append(contentsOf: repeatElement(0, count: min(out.count, maximumFrameBytes - out.count)))
                }
                let room = out.count - produced
                let result = out.withUnsafeMutableBufferPointer { o -> Int32 in
                    stream.next_out = o.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                if result == Z_STREAM_END { return stream.avail_in == 0 ? Z_OK : Z_DATA_ERROR }
                if result != Z_OK { return result == Z_BUF_ERROR && stream.avail_in == 0 ? Z_DATA_ERROR : result }
                if stream.avail_in == 0, stream.avail_out > 0 { return Z_DATA_ERROR }  // input ended mid-stream
            }
        }
        switch status {
        case Z_OK:
            out.removeLast(out.count - produced)
            return out
        case Z_BUF_ERROR: throw .badValue(field: "compressed frame", reason: "inflates to more than \(maximumFrameBytes) bytes")
        default: throw .badValue(field: "compressed frame", reason: "is not valid zlib data")
        }
    }

    /// The message body of `frame` under `encoding`.
    public static func encode(_ frame: ScreenFrame, as encoding: FrameEncoding) -> [UInt8] {
        encoding == .deflate ? deflate(frame.encoded()) : frame.encoded()
    }

    /// The frame in a `terminalFrame` message's body.
    public static func decode(_ body: [UInt8], encoding: FrameEncoding) throws(MessageError) -> ScreenFrame {
        try ScreenFrame(decoding: encoding == .deflate ? inflate(body) : body)
    }
}
