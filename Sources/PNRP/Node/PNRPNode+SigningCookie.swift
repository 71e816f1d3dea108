import PeerCrypto

/// Signing cookies (`docs/deviations.md`, item N32): when the signing budget (N26) is spent, an INQUIRE that
/// needs a signature gets a busy AUTHORITY with a SIGNING_COOKIE bound to its source endpoint, the ID and flags
/// it asks about, its nonce and the period; the same INQUIRE sent again with that cookie is answered from
/// signing time kept apart for such senders, shared fairly among source addresses. A host that forges source
/// addresses never sees the cookies, so a flood of forged INQUIREs can spend the first budget but not the
/// second.
extension PNRPNode {
    /// How an INQUIRE needing signatures fares (`signingTime(_:for:from:now:)`).
    enum SigningTime {
        /// Signed for: the time was taken.
        case granted
        /// No cookie, and the signing budget is spent: the sender gets a cookie.
        case budgetSpent
        /// A valid cookie, but its source's share of the time kept for cookies is spent.
        case shareSpent
        /// A cookie that is not the one made for this source, ID, flags, nonce and period.
        case cookieRefused
    }

    /// Buckets of source addresses sharing the signing time kept for cookie holders: one address takes at most
    /// this fraction of it.
    static let signingCookieBuckets = 16

    /// The period a signing cookie is made in: conversation periods (N25), 15 s by default. A cookie is valid
    /// in its own period and the next.
    func signingCookiePeriod(at now: NodeInstant) -> UInt64 { conversationPeriod(at: now) }

    /// The SIGNING_COOKIE for an INQUIRE from `source` about `id` with `flags` and `nonce` in `period`: the
    /// first 16 bytes of HMAC-SHA-512, under the node's conversation key, of the label `PNRP signing cookie`,
    /// the source address (high, low), the period, the source port, the ID, the flags and the nonce, numbers
    /// big-endian.
    func signingCookie(for source: IPv6Endpoint, inquiring id: PNRPID, flags: InquireFlags, nonce: [UInt8], period: UInt64) -> [UInt8] {
        var message = Array("PNRP signing cookie".utf8)
        message.reserveCapacity(message.count + 60 + nonce.count)
        Self.append(source, period: period, to: &message)
        for word in [id.w0, id.w1, id.w2, id.w3] { withUnsafeBytes(of: word.bigEndian) { message += $0 } }
        withUnsafeBytes(of: flags.rawValue.bigEndian) { message += $0 }
        message += nonce
        return Array(conversationMAC(message).prefix(WireFormat.signingCookieLength))
    }

    /// True when `m`'s cookie is the one this node made for `source` and `m`'s ID, flags and nonce in this
    /// period or the previous one (compared in constant time).
    func hasValidSigningCookie(_ m: Inquire, from source: IPv6Endpoint, now: NodeInstant) -> Bool {
        guard let cookie = m.signingCookie, let nonce = m.nonce else { return false }
        let period = signingCookiePeriod(at: now)
        var valid = false
        for p in period > 0 ? [period, period - 1] : [period]
        where ConstantTime.equal(cookie, signingCookie(for: source, inquiring: m.validateID, flags: m.flags, nonce: nonce, period: p)) {
            valid = true
        }
        return valid
    }

    /// The bucket of the time kept for cookie holders that `address` spends from: a keyed mix of the address
    /// (an attacker cannot choose addresses that share a bucket with a given one, nor predict them).
    func signingCookieBucket(of address: IPv6Address) -> Int {
        let h = SplitMix64.mix(SplitMix64.mix(address.high ^ conversationKey.2) ^ address.low ^ conversationKey.3)
        return Int(h % UInt64(Self.signingCookieBuckets))
    }

    /// Takes the time of `count` signatures for INQUIRE `m` from `source`: from the signing budget when it
    /// echoes no cookie; from its address's share of the time kept for cookie holders when it echoes a valid one.
    mutating func signingTime(_ count: Int, for m: Inquire, from source: IPv6Endpoint, now: NodeInstant) -> SigningTime {
        guard m.signingCookie != nil else { return spendSigningBudget(count, now: now) ? .granted : .budgetSpent }
        guard hasValidSigningCookie(m, from: source, now: now) else { return .cookieRefused }
        let buckets = Self.signingCookieBuckets
        if cookieSigningCredits.isEmpty {
            cookieSigningCredits = Array(repeating: Self.signingWindow, count: buckets)
            cookieSigningCreditsAt = now
        }
        if now > cookieSigningCreditsAt {
            let elapsed = Self.signingTimeElapsed(since: cookieSigningCreditsAt, now: now)
            for i in cookieSigningCredits.indices { cookieSigningCredits[i] = Swift.min(Self.signingWindow, cookieSigningCredits[i] + elapsed) }
            cookieSigningCreditsAt = now
        }
        let bucket = signingCookieBucket(of: source.address)
        let cost = Self.signingCost(count, signaturesPerSecond: configuration.signaturesPerSecond, shares: buckets)
        guard cookieSigningCredits[bucket] >= cost else { return .shareSpent }
        cookieSigningCredits[bucket] -= cost
        return .granted
    }
}
