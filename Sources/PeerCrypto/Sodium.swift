import CSodium

/// One-time libsodium initialisation. Every entry point that calls libsodium goes through it.
enum Sodium {
    /// `sodium_init()` is idempotent and thread-safe; the result is cached by Swift's lazy global init.
    static let initialised: Bool = {
        sodium_init() >= 0
    }()

    /// Traps only if libsodium itself cannot start (no entropy source), which no caller could recover from.
    @inline(__always)
    static func ensure() {
        precondition(initialised, "libsodium failed to initialise (sodium_init < 0): no usable entropy source")
    }
}
