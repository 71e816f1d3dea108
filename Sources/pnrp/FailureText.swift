import Foundation
import PNRP
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sentences for the failures `pnrp node` and the state-directory commands meet, saying what went wrong and
/// what to do, in place of the raw texts of the layers below ("bind(descriptor:ptr:bytes:): Address already
/// in use (errno: 98)", "NSCocoaErrorDomain error 512").
enum FailureText {
    /// One sentence for an error that stopped `pnrp node`.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let host as HostError:
            if case .bind(let endpoint, let detail) = host, let code = errnoCode(in: detail) { return udpBind(endpoint, errno: code) }
            return host.description
        case let control as ControlServerError:
            if case .bind(let path, let detail) = control, let code = errnoCode(in: detail) {
                return "cannot create the control socket \(path): \(reason(code)); check that you may write in its directory, or pass another --state-dir"
            }
            return control.description
        case let state as StateError:
            return stateDirectory(state)
        case let described as CustomStringConvertible:
            return described.description
        default:
            return "\(error)"
        }
    }

    /// The sentence for a UDP socket that could not be bound on `endpoint` (`127.0.0.2:3540`, `[::1]:3540`).
    static func udpBind(_ endpoint: String, errno code: Int32) -> String {
        let address = endpoint.hasPrefix("[") ? String(endpoint.dropFirst().prefix { $0 != "]" }) : String(endpoint.prefix { $0 != ":" })
        switch code {
        case EADDRINUSE:
            return "cannot listen on UDP \(endpoint): another program already uses that port (another pnrp node? `pnrp status` tells); stop it, or pass another --port"
        case EADDRNOTAVAIL:
            return "cannot listen on UDP \(endpoint): \(address) is not an address of this machine; pass one of its addresses with --address (`ip -brief address` lists them), or leave --address out"
        case EACCES, EPERM:
            return "cannot listen on UDP \(endpoint): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); pass --port 1024 or above"
        case EAFNOSUPPORT:
            return "cannot listen on UDP \(endpoint): this machine has no \(address.contains(":") ? "IPv6" : "IPv4") networking; pass an address of the other family with --address"
        default:
            return "cannot listen on UDP \(endpoint): \(reason(code)); pass another --address or --port"
        }
    }

    /// One sentence for a state directory that cannot be used: for one that cannot be created, why (found by
    /// looking at the path), not the file manager's "operation could not be completed".
    static func stateDirectory(_ error: StateError) -> String {
        if case .io(let path, let why) = error, why.hasPrefix("cannot create the directory") {
            let cause = DirectoryDiagnosis.whyNotCreatable(path) ?? String(why.dropFirst("cannot create the directory".count)).trimmingCharacters(in: CharacterSet(charactersIn: ": "))
            return "cannot create the state directory \(path): \(cause); pass another --state-dir"
        }
        return error.description
    }

    /// The errno in a SwiftNIO error text (`… (errno: 98)`), or nil.
    static func errnoCode(in text: String) -> Int32? {
        guard let range = text.range(of: "(errno: ", options: .backwards) else { return nil }
        return Int32(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// `strerror(code)` in lower case, with its number: "permission denied (errno 13)".
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst() + " (errno \(code))"
    }
}

/// Why a directory cannot be created, found by looking at the path.
enum DirectoryDiagnosis {
    /// The reason `path` cannot be created, or nil when nothing in the way can be found (then it can be).
    /// Walks up to the nearest part that exists and tries to create the next one there (removing it again).
    static func whyNotCreatable(_ path: String) -> String? {
        var existing = path
        var next: String?
        var st = stat()
        while lstat(existing, &st) != 0 {
            let parent = (existing as NSString).deletingLastPathComponent
            guard parent != existing, !parent.isEmpty else { return nil }
            next = existing
            existing = parent
        }
        // The nearest part that exists, its symbolic link followed: it must be a directory.
        guard stat(existing, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return "\(existing) is a file, not a directory" }
        guard let next else { return nil }
        if mkdir(next, 0o700) == 0 {
            rmdir(next)
            return nil
        }
        let code = errno
        switch code {
        case EACCES, EPERM: return "you (uid \(geteuid())) may not create anything in \(existing)"
        case EROFS: return "\(existing) is on a read-only file system"
        case ENOENT: return "\(existing) does not allow creating directories in it"
        case ENOSPC, EDQUOT: return "no space left for it in \(existing)"
        default: return "creating it in \(existing) fails: \(FailureText.reason(code))"
        }
    }
}
