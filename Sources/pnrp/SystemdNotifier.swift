import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The sd_notify protocol of systemd services of `Type=notify`: one datagram of `KEY=value` lines sent to
/// the Unix socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`).
/// Without that variable (not started by systemd) nothing is sent.
enum SystemdNotifier {
    /// Sends `state` (for example `READY=1`); false when there is no socket to send it to or sending failed.
    @discardableResult
    static func notify(_ state: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        #if os(Linux)
            guard let name = environment["NOTIFY_SOCKET"], name.hasPrefix("/") || name.hasPrefix("@") else { return false }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var path = Array(name.utf8)
            guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
            if path[0] == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.enumerated() { raw[i] = byte }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            let message = Array(state.utf8)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                    message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
                }
            }
            return sent == message.count
        #else
            return false
        #endif
    }

    /// The state directory systemd made for the service (`StateDirectory=`, passed as `$STATE_DIRECTORY`),
    /// with symbolic links resolved: under `DynamicUser=` it is a link into /var/lib/private that systemd
    /// itself created. Nil when not started that way.
    static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let value = environment["STATE_DIRECTORY"], let first = value.split(separator: ":").first, first.hasPrefix("/") else { return nil }
        guard let resolved = realpath(String(first), nil) else { return String(first) }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
