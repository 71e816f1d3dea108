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
///
/// ## Registering with another key, a payload, a lifetime
///
/// `register` takes, besides `name`, `secured`, `port`, `transport` and `comment`, these optional fields
/// (absent means off; requests without them mean what they always meant, so the version stays 1):
///
/// ```
/// → {"version":1,"op":"register","register":{"name":"0.room","extendedPayload":"aGVsbG8=",
///    "keySeed":"<base64 of 32 bytes>","lifetimeSeconds":600,"untilDisconnect":true,
///    "endpoints":["127.0.0.2:7000/tcp"]}}
/// ```
///
/// - `extendedPayload`: base64 of 1 to 4096 bytes, published as the name's EXTENDED_PAYLOAD ([MS-PNRP]
///   2.2.3.3), signed with the registration's key. `resolve` answers carry it back, verified, in
///   `extendedPayload` (base64), with the publisher's `publicKey` (hex).
/// - `keySeed`: base64 of the caller's 32-byte Ed25519 seed. The CPAs and the payload are signed with that
///   key instead of the node's identity; with `secured`, the name's authority is that key's. **How the key
///   reaches the daemon:** only inside this request, over this socket, which is a Unix domain socket of
///   mode 0600 in the node's state directory (mode 0700): only the user running the node can connect, and
///   the seed never crosses a network. The daemon decodes it, derives the key (libsodium keeps the secret
///   in a buffer wiped on release), wipes the decoded seed, never logs or echoes it (`RegisterArguments`
///   prints it as `<redacted>`), and holds the key only inside the registration: when the name is revoked,
///   the key is released and wiped. (The request line itself passes through JSON decoding buffers that
///   cannot be wiped deterministically; a client that must not expose its long-term key uses
///   `ephemeralKey`, or a key made for the purpose.)
/// - `ephemeralKey`: `true` makes the daemon sign with a fresh key it generates and forgets with the
///   registration: the publisher of an unsecured name cannot be linked to the node's identity or to its
///   other names. Not together with `keySeed`.
/// - `lifetimeSeconds`: the daemon revokes the name by itself after this long (1 to 604800 seconds).
/// - `untilDisconnect`: `true` makes the daemon revoke the name when the connection that registered it
///   closes, however the client ended (even SIGKILL). A connection that made such a registration is exempt
///   from `idleTimeout` from then on (the client closes it when it is done);
///   keep it open with `ControlSession` (a `ControlClient` request closes its connection after the answer,
///   which would revoke the name at once).
/// - `endpoints`: application endpoints to publish as they are (`ADDRESS:PORT/tcp`, `/udp`, `/protoN`).
///
/// Each is checked, and refused with `badInput` and a sentence saying what to change: bad base64, a seed
/// that is not 32 bytes, a payload of 0 or more than 4096 bytes, a lifetime outside 1 s to 7 days, both
/// `keySeed` and `ephemeralKey`, an unreadable endpoint, more than 10 endpoints, or a secured name the key
/// does not own.
///
/// ## NAT traversal for the applications behind the node's NAT
///
/// With `pnrp node --nat-traversal`, an application that publishes through the node (an Easy Connect User)
/// learns the NAT in front of both and borrows the node's relay:
///
/// ```
/// → {"version":1,"op":"reachability"}
/// ← {"version":1,"ok":true,"reply":"reachability","reachability":{"verdict":"behind-nat",
///    "seen":"203.0.113.9:40001","mappingVaries":false,"observed":"203.0.113.9:40001"}}
/// → {"version":1,"op":"stream-relay","stream-relay":{"timeoutSeconds":5}}
/// ← {"version":1,"ok":true,"reply":"stream-relay","stream-relay":{"endpoint":"198.51.100.7:3541",
///    "token":"<base64 of 16 bytes>","expiresInSeconds":600}}
/// ```
///
/// `verdict` is `off` (no NAT traversal), `unknown` (no verdict yet), `reachable` or `behind-nat`; `observed`
/// is where peers see the node, known before the verdict. `stream-relay` (`timeoutSeconds` 1 to 60) asks the
/// node's relay for an allocation (`docs/deviations.md`, X6); the token lets whoever holds it join the
/// connection waiting at the relay, so it crosses only this 0600 socket and is never logged. A refusal carries
/// a `code` besides its kind: `reachability-unknown` and `no-relay` (ask again in a few seconds),
/// `not-behind-nat`, `nat-traversal-off`, `too-many-requests`, `refused`, `timed-out`.
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
    /// A connection with no request and no response for this long is closed, unless it holds a registration
    /// made with `untilDisconnect`.
    public static let idleTimeout = Duration.seconds(120)

    /// Path of the control socket of `directory`.
    public static func socketPath(in directory: StateDirectory) -> String {
        directory.file(socketFileName)
    }
}
