/// A hash that is the same in every process and on every platform (64-bit FNV-1a over UTF-8).
///
/// Swift's `Hashable` is seeded per process, so it cannot give a job a phase that survives a restart.
enum StableHash {
    /// The FNV-1a hash of the string's UTF-8 bytes.
    static func fnv1a(_ string: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in string.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
