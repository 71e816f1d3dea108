/// Constants of the control protocol between `pnrp node` and the client commands: newline-delimited JSON
/// over the Unix domain socket `control.sock` in the node's state directory.
///
/// Each request is one line of JSON, answered by one line of JSON, in order; a connection may carry any
/// number of them. A request names its operation in `op` and carries its arguments under a key of the
/// same name:
///
/// ```
/// → {"version":1,"op":"resolve","resolve":{"name":"0.printer","timeoutSeconds":5}}
/// ← {"version":1,"ok":true,"reply":"resolved","resolved":{"name":"0.printer","hops":2,...}}
/// → {"version":1,"op":"status"}
/// ← {"version":1,"ok":false,"error":{"kind":"notFound","message":"..."}}
/// ```
///
/// A line that is not valid JSON, names an unknown operation or version, or exceeds
/// `maximumLineBytes` gets an error response of kind `badInput`; the connection stays usable.
public enum ControlProtocol {
    /// The protocol version this build speaks; requests of another version are refused with `badInput`.
    public static let version = 1
    /// Name of the socket file inside the state directory.
    public static let socketFileName = "control.sock"
    /// Longest request or response line, newline excluded.
    public static let maximumLineBytes = 64 * 1024
    /// Most client connections served at once; further ones get an error response and are closed.
    public static let maximumConnections = 32
    /// Longest resolution a client may ask for.
    public static let maximumResolveTimeout = Duration.seconds(60)
    /// A connection with no request and no response for this long is closed.
    public static let idleTimeout = Duration.seconds(120)

    /// Path of the control socket of `directory`.
    public static func socketPath(in directory: StateDirectory) -> String {
        directory.file(socketFileName)
    }
}
