/// What a resolution asks its node to do next (`Resolution.next(host:)`).
enum ResolutionStep: Sendable, Equatable {
    /// Send `lookup` to `to` ([MS-PNRP] 3.1.4.4.2 step 8), then report its Message ID with
    /// `Resolution.lookupSent(messageID:to:)`.
    case lookup(Lookup, to: IPv6Endpoint)
    /// Send an INQUIRE for `target`, the best match, to `to` (step 7), then report it with
    /// `Resolution.inquireSent(messageID:to:nonce:target:)`.
    case inquire(target: RouteEntry, to: IPv6Endpoint)
    /// Nothing to send: a request is outstanding.
    case wait
    /// The walk is over without a record (step 9).
    case finished(ResolveFailure)
}

/// What a resolution makes of an answer to its LOOKUP (`Resolution.lookupAnswered`).
enum LookupOutcome: Sendable, Equatable {
    /// Not the answer of a LOOKUP in flight: nothing changed.
    case ignored
    /// Go on: ask `Resolution.next(host:)` for the next step.
    case proceed
    /// The walk has done its job and ends (a maintenance walk that reached the nearest node, a cache-maintenance
    /// walk that found an entry for its slot).
    case done
}
