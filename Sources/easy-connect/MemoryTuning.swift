#if canImport(Glibc)
    import Glibc

    /// glibc's `mallopt(3)`, which Swift's Glibc module does not export.
    @_silgen_name("mallopt")
    private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

    /// Keeps the file-transfer buffers (a few hundred KiB each, allocated and freed for every chunk) in the
    /// heap: by default glibc maps each one fresh and returns it on free, so every chunk page-faults in
    /// newly zeroed memory — measured as a third of the sending side's time.
    enum MemoryTuning {
        static func apply() {
            _ = mallopt(-3, 8 << 20)  // M_MMAP_THRESHOLD: blocks below 8 MiB come from the heap
            _ = mallopt(-1, 128 << 20)  // M_TRIM_THRESHOLD: keep up to 128 MiB of free heap instead of returning it
        }
    }
#else
    enum MemoryTuning {
        static func apply() {}
    }
#endif
