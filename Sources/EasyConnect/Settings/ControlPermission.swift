/// Whether a Helper may be given control of the User's computer (the `control` setting).
public enum ControlPermission: String, Sendable, Hashable, CaseIterable {
    /// The Helper may ask for control and the User may grant it (the default).
    case full
    /// Sessions are view-only: the User's side refuses every request for control, saying why.
    case viewOnly = "view-only"
}
