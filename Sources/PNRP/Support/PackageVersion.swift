/// The version of this package, printed by `pnrp --version` and `pnrp-sim --version`.
public enum PackageVersion {
    /// Semantic version of the package's executables and libraries.
    public static let current = "0.1.0"
}
