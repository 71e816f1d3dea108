import Logging
import PNRP

/// A log handler that shows every message and metadata value with control characters made visible
/// (`VisibleText.escaped`) before handing it to `base`: log lines quote names, friendly texts and errors that
/// came from the network, and a log is often read on a terminal.
struct VisibleLogHandler: LogHandler {
    var base: any LogHandler

    init(_ base: any LogHandler) { self.base = base }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue.mapValues(Self.visible) }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue.map(Self.visible) }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(VisibleText.escaped(event.message.description))"
        event.metadata = event.metadata?.mapValues(Self.visible)
        event.source = VisibleText.escaped(event.source)
        event.error = event.error.map { VisibleError(description: VisibleText.escaped("\($0)")) }
        base.log(event: event)
    }

    /// An error as its escaped description.
    struct VisibleError: Error, CustomStringConvertible {
        var description: String
    }

    /// `value` with every string in it escaped.
    static func visible(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let s): .string(VisibleText.escaped(s))
        case .stringConvertible(let c): .string(VisibleText.escaped(c.description))
        case .array(let a): .array(a.map(visible))
        case .dictionary(let d): .dictionary(d.mapValues(visible))
        }
    }
}
