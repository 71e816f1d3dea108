import Foundation

/// Checks, before a run, that its results can be written into a directory: so that a path that names a
/// file, or a place nobody may write to, fails at once rather than after a run of many minutes.
public enum OutputDirectoryCheck {
    /// The files a run writes into its output directory (`SimulationResult.write(to:plots:)`).
    public static func fileNames(plots: Bool) -> [String] {
        ["summary.json", "timeseries.csv"] + (plots ? SimulationResult.plotFileNames : [])
    }

    /// Why the results could not be written into `directory` (created when missing, as the run will do),
    /// or nil when they can: `directory` must be a directory or not exist yet under a directory this
    /// process may create entries in, and none of `files` in it may be a directory. An existing directory
    /// is tried by creating and removing a file in it, which also finds read-only file systems.
    public static func problem(directory: String, files: [String]) -> String? {
        guard !directory.isEmpty else { return "the path is empty; name a directory, e.g. out/run1" }
        let fm = FileManager.default
        let url = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return "it is a file, not a directory; name a directory (it is created when missing)" }
            for name in files {
                var nameIsDirectory: ObjCBool = false
                if fm.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &nameIsDirectory), nameIsDirectory.boolValue {
                    return "\(name) in it is a directory; remove it or choose another directory"
                }
            }
            let probe = url.appendingPathComponent(".pnrp-sim-write-check-\(getpid())")
            let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { return "cannot create files in it (\(reason(errno))); choose a directory you may write to" }
            close(fd)
            unlink(probe.path)
            return nil
        }
        // Not there yet: the nearest existing ancestor must be a directory we may create entries in.
        var ancestor = url.deletingLastPathComponent()
        while !fm.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            let parent = ancestor.deletingLastPathComponent()
            if parent.path == ancestor.path { break }
            ancestor = parent
        }
        guard isDirectory.boolValue else {
            return "\(ancestor.path) is a file, so no directory can be created under it; choose another path"
        }
        guard access(ancestor.path, W_OK | X_OK) == 0 else {
            return "cannot create it under \(ancestor.path) (\(reason(errno))); choose a directory you may write to"
        }
        return nil
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
