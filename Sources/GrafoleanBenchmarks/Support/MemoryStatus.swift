import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Resident memory of this process, from `/proc/self/status`.
struct MemoryStatus: Sendable {
    /// Resident set size now, in KiB (`VmRSS`).
    var residentKiB: Int
    /// Peak resident set size, in KiB (`VmHWM`).
    var peakResidentKiB: Int
    /// The anonymous part of the resident set (heap, stacks), in KiB (`RssAnon`); the rest is
    /// mapped files: the executable and shared libraries, shared with other processes.
    var anonymousKiB: Int = 0

    /// Reads `/proc/self/status`; zeros where it cannot be read (not Linux).
    static func now() -> MemoryStatus {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return MemoryStatus(residentKiB: 0, peakResidentKiB: 0, anonymousKiB: 0)
        }
        func field(_ name: String) -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let number = line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first
                return number.flatMap { Int($0) } ?? 0
            }
            return 0
        }
        return MemoryStatus(residentKiB: field("VmRSS"), peakResidentKiB: field("VmHWM"), anonymousKiB: field("RssAnon"))
    }
}

/// Calls glibc's `malloc_trim(0)` (declared in `malloc.h`, which the Glibc module does not
/// export), looked up at run time; does nothing where it does not exist.
func trimMallocHeap() {
    #if canImport(Glibc)
    // RTLD_DEFAULT is the null handle in glibc.
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    typealias MallocTrim = @convention(c) (Int) -> Int32
    _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    #endif
}
