import EasyConnect
import EasyConnectNetwork

/// The automatic answer to every request for control when the settings make sessions view-only: the
/// User's side denies it, says why on its own screen (naming the setting and its file), and tells the
/// Helper in a chat message (without local paths).
struct ControlRefusal: Sendable, Hashable {
    /// The sentence shown to the User.
    let local: String
    /// The chat message sent to the Helper.
    let remote: String

    /// The refusal the settings call for; nil when control may be shared.
    init?(_ effective: EffectiveSettings) {
        let decision = effective.settings.controlRequestDecision
        guard let reason = decision.reason, let explained = effective.explain(decision) else { return nil }
        local = explained
        remote = "(sent automatically) Your request for control was refused: \(reason)."
    }
}
