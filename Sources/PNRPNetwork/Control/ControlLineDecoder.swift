import NIOCore

/// One frame of a control connection: a line, or the news that a line was too long (its bytes are
/// skipped up to the next newline, so the connection stays in step).
public enum ControlFrame: Sendable, Hashable {
    /// A line without its newline (and without a trailing carriage return).
    case line(ByteBuffer)
    /// A line longer than the limit was discarded.
    case oversized
}

/// Splits a byte stream into newline-terminated lines of at most `maximumLength` bytes.
public struct ControlLineDecoder: ByteToMessageDecoder {
    /// Lines, or the news that one was too long.
    public typealias InboundOut = ControlFrame

    /// Longest line accepted, newline excluded.
    public let maximumLength: Int
    private var discarding = false
    private var scanned = 0

    /// A decoder for lines of at most `maximumLength` bytes.
    public init(maximumLength: Int = ControlProtocol.maximumLineBytes) {
        self.maximumLength = maximumLength
    }

    /// Emits every complete line in `buffer`; keeps a partial one for later.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        let start = view.startIndex + scanned
        if let newline = view[start...].firstIndex(of: 0x0A) {
            let length = newline - view.startIndex
            scanned = 0
            if discarding {
                buffer.moveReaderIndex(forwardBy: length + 1)
                discarding = false
                return .continue
            }
            guard length <= maximumLength else {
                buffer.moveReaderIndex(forwardBy: length + 1)
                context.fireChannelRead(wrapInboundOut(.oversized))
                return .continue
            }
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == 0x0D { line.moveWriterIndex(to: line.writerIndex - 1) }
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
        if discarding {
            buffer.moveReaderIndex(forwardBy: view.count)
            scanned = 0
            return .needMoreData
        }
        if view.count > maximumLength {
            // Too long already: report it once, then drop everything up to the next newline.
            buffer.moveReaderIndex(forwardBy: view.count)
            scanned = 0
            discarding = true
            context.fireChannelRead(wrapInboundOut(.oversized))
            return .needMoreData
        }
        scanned = view.count
        return .needMoreData
    }

    /// Emits the complete lines left at end of input and drops a partial last one.
    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last line without a newline is not a request: the peer closed mid-line.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
