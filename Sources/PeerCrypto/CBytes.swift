/// A valid address to hand C for a zero-length input, where a function declares its pointer non-null.
/// One byte that is never written after it is made, so sharing it between threads is safe.
nonisolated(unsafe) let emptyInput: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()

/// A valid address to hand C for a zero-length output.
func withScratchByte<R>(_ body: (UnsafeMutablePointer<UInt8>) -> R) -> R {
    var byte: UInt8 = 0
    return withUnsafeMutablePointer(to: &byte, body)
}

/// A `size_t` limit from libsodium as a Swift `Int`. Swift imports `size_t` as `Int`, so limits near `SIZE_MAX`
/// arrive negative; they are read as unsigned and clamped to `Int.max`.
func sizeLimit(_ value: Int) -> Int {
    Int(clamping: UInt(bitPattern: value))
}
