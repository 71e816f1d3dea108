import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Transparent huge pages for the simulator's heap.
///
/// A large cloud keeps gigabytes of node state and touches it in no particular order, so without huge
/// pages much of the simulation thread's time goes to address translation (a 30,000-node run took 9 %
/// less CPU with them). glibc's allocator asks the kernel for huge pages only when its
/// `glibc.malloc.hugetlb` tunable says so, and tunables are read when a process starts: `pnrp-sim`
/// therefore starts itself again, once, with the tunable added. Results do not depend on it.
enum HugePages {
    /// The environment variable that carries glibc tunables.
    static let tunablesVariable = "GLIBC_TUNABLES"
    /// Setting this to `0` keeps `pnrp-sim` from restarting itself; the restarted process gets it set, so
    /// it restarts at most once even where glibc drops the tunable (secure execution).
    static let optOutVariable = "PNRP_SIM_HUGE_PAGES"

    /// Re-executes this process with `glibc.malloc.hugetlb=1` added to `GLIBC_TUNABLES`, unless the tunable
    /// is already there, the user opted out, or the kernel has transparent huge pages switched off. Returns
    /// (and the process goes on as it is) when any of these holds or the restart fails.
    static func restartWithHugePagesIfAvailable() {
        #if canImport(Glibc)
            let environment = ProcessInfo.processInfo.environment
            guard environment[optOutVariable] != "0" else { return }
            let tunables = environment[tunablesVariable] ?? ""
            guard !tunables.contains("glibc.malloc.hugetlb") else { return }
            guard let mode = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8),
                !mode.contains("[never]")
            else { return }
            let added = "glibc.malloc.hugetlb=1"
            setenv(tunablesVariable, tunables.isEmpty ? added : tunables + ":" + added, 1)
            setenv(optOutVariable, "0", 1)
            // The arguments exactly as received (`CommandLine.arguments` would repair bytes that are not UTF-8).
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Only reached when the restart failed: run without huge pages, with the environment as it was.
            if let original = environment[tunablesVariable] { setenv(tunablesVariable, original, 1) } else { unsetenv(tunablesVariable) }
            if let original = environment[optOutVariable] { setenv(optOutVariable, original, 1) } else { unsetenv(optOutVariable) }
        #endif
    }
}
