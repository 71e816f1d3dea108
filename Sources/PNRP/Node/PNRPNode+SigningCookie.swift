import PeerCrypto

/// Signing cookies (`docs/deviations.md`, item N32): when the signing budget (N26) is spent, an INQUIRE that
/// needs a signature gets a busy AUTHORITY with a SIGNING_COOKIE bound to its source endpoint, its nonce and
/// the period; the same INQUIRE sent again with that cookie is answered from signing time kept apart for such
/// senders. A host that forges source addresses never sees the cookies, so a flood of forged INQUIREs can
/// spend the first budget but not the second.
extension PNRPNode {
    /// The period a signing cookie is made in: conversation periods (N25), 15 s by default. A cookie is valid
    /// in its own period and the next.
    func signingCookiePeriod(at now: NodeInstant) -> UInt64 { conversationPeriod(at: now) }

    /// The SIGNING_COOKIE for an INQUIRE from `source` with `nonce` in `period`: the first 16 bytes of
    /// HMAC-SHA-512, under the node's conversation key, of a label, the source, the period and the nonce.
    func signingCookie(for source: IPv6Endpoint, nonce: [UInt8], period: UInt64) -> [UInt8] {
        var message = Array("PNRP signing cookie".utf8)
        message.reserveCapacity(message.count + 26 + nonce.count)
        for word in [source.address.high, source.address.low, period] { withUnsafeBytes(of: word.bigEndian) { message += $0 } }
        withUnsafeBytes(of: source.port.bigEndian) { message += $0 }
        message += nonce
        var key = withUnsafeBytes(of: conversationKey) { Array($0) }
        defer { ConstantTime.wipe(&key) }
        return Array(HMACSHA512.authenticationCode(key: key, message: message).prefix(WireFormat.signingCookieLength))
    }

    /// True when `cookie` is the one this node made for `source` and `nonce` in this period or the previous one
    /// (compared in constant time).
    func isValidSigningCookie(_ cookie: [UInt8], from source: IPv6Endpoint, nonce: [UInt8], now: NodeInstant) -> Bool {
        let period = signingCookiePeriod(at: now)
        let periods = period > 0 ? [period, period - 1] : [period]
        var valid = false
        for p in periods where ConstantTime.equal(cookie, signingCookie(for: source, nonce: nonce, period: p)) { valid = true }
        return valid
    }

    /// Takes the time of `count` signatures for INQUIRE `m` from `source`: from the time kept for cookie
    /// holders when it echoes a valid SIGNING_COOKIE, from the signing budget when it echoes none; false, taking
    /// nothing, when that is spent or the cookie is not valid.
    mutating func spendSigningTime(_ count: Int, for m: Inquire, from source: IPv6Endpoint, now: NodeInstant) -> Bool {
        guard let cookie = m.signingCookie else { return spendSigningBudget(count, now: now) }
        guard let nonce = m.nonce, isValidSigningCookie(cookie, from: source, nonce: nonce, now: now) else {
            statistics.signingCookiesRefused += 1
            return false
        }
        return Self.spend(
            count, signaturesPerSecond: configuration.signaturesPerSecond, from: &cookieSigningCredit, toppedUpAt: &cookieSigningCreditAt, now: now)
    }
}
