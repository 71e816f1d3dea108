import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension StateDirectory {
    /// Moves `name` aside as `name.<label>-<unix seconds>` (never over an existing file) and returns the
    /// new path.
    @discardableResult
    public func moveAside(_ name: String, label: String) -> String {
        let stamp = Int(Date().timeIntervalSince1970)
        var aside = file("\(name).\(label)-\(stamp)")
        var n = 1
        while FileManager.default.fileExists(atPath: aside) {
            aside = file("\(name).\(label)-\(stamp)-\(n)")
            n += 1
        }
        rename(file(name), aside)
        return aside
    }
}
