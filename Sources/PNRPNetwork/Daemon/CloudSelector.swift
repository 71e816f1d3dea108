import PNRP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the cloud a person names: `global`, `linklocal:IFACE` (`linklocal:eth0`), or a cloud name as
/// `pnrp clouds` prints it (`Global_`, `LinkLocal_2`).
public enum CloudSelector {
    /// The scope `text` names; `ControlError.badInput` saying what is accepted otherwise.
    public static func scope(_ text: String?) throws(ControlError) -> CloudScope {
        guard let text, !text.isEmpty else { return .global }
        let lower = text.lowercased()
        if lower == "global" || text == CloudScope.global.description { return .global }
        if lower.hasPrefix("linklocal:") {
            let interface = String(text.dropFirst("linklocal:".count))
            let index = if_nametoindex(interface)
            guard index != 0 else { throw ControlError(.badInput, "no network interface named '\(interface)'; see `ip link` or `pnrp clouds`") }
            return .linkLocal(zone: index)
        }
        if lower.hasPrefix("linklocal_"), let zone = UInt32(text.dropFirst("linklocal_".count)) { return .linkLocal(zone: zone) }
        throw ControlError(.badInput, "unknown cloud '\(text)'; write global, linklocal:IFACE (e.g. linklocal:eth0) or a name `pnrp clouds` prints")
    }
}
