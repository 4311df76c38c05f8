#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A non-blocking self-pipe that wakes the I/O thread from `poll` (new probes, stop requests).
struct WakeupPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    static func make() throws(ICMPEchoError) -> WakeupPipe {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw .system(.socketFailure, "cannot create the engine's wake-up pipe", errno: errno)
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL, 0) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return WakeupPipe(readEnd: ends[0], writeEnd: ends[1])
    }

    /// Wakes the I/O thread. A full pipe already guarantees a wake-up, so errors are ignored.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe.
    func drain() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    func close() {
        _ = Glibc.close(readEnd)
        _ = Glibc.close(writeEnd)
    }
}
