import EasyConnect
import EasyConnectNetwork

extension CommandFailure {
    /// The failure for an invitation file that cannot be opened: a wrong password (or a changed file) exits
    /// with 6, an expired one with 10, the rest is bad input (2).
    init(invitationFile error: InvitationFileError) {
        switch error {
        case .wrongPasswordOrChanged:
            self.init(status: .wrongPassword, reason: SessionOutcome.Kind.wrongPassword.rawValue, code: "wrong-password", message: error.description)
        case .expired:
            self.init(status: .expired, reason: SessionOutcome.Kind.expired.rawValue, code: "expired", message: error.description)
        case .passwordTooShort, .passwordTooLong, .passwordControlCharacter:
            self = .badInput(error.description, code: "bad-password")
        case .lifetimeOutOfRange, .notAnInvitationFile, .malformed, .unsupportedVersion:
            self = .badInput(error.description, code: "invalid-file")
        case .unencodable, .keyDerivation:
            self.init(status: .internalError, reason: "internal", code: "internal", message: error.description)
        }
    }

    /// The failure for an invitation file that cannot be read or written.
    init(_ error: InvitationFileStoreError) {
        switch error {
        case .invalid(_, let e): self.init(invitationFile: e)
        case .exists, .notFound, .io: self = .badInput(error.description, code: "file")
        }
    }
}
