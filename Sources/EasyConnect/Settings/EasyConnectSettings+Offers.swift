extension EasyConnectSettings {
    /// Which Helpers an offer listener (`easy-connect listen`) lets the person be asked about: nobody when
    /// offers are turned off, else only the fingerprints of `offersAllowedFrom`. The refusals say why, without
    /// file paths, to the Helper.
    public var offerAdmission: HelperAdmission {
        let refusal = isOfferAllowed(fromFingerprint: "").reason ?? "this computer does not accept this offer of help"
        guard allowOffers else { return .nobody(refusal: refusal) }
        return .only(fingerprints: Set(offersAllowedFrom), refusal: refusal)
    }
}
