import EasyConnect
import EasyConnectNetwork

/// Which Helpers `easy-connect listen` lets the person be asked about, from the settings.
enum OfferAdmission {
    /// The admission the settings give.
    static func fromSettings(_ options: SessionOptionsGroup, console: Console) throws(CommandFailure) -> HelperAdmission {
        .anyone
    }
}
