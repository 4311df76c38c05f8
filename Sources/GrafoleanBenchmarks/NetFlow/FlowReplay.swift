import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A recorded stream of export datagrams, sent again at an exact rate by a child process.
///
/// nfreplay paces with one `nanosleep` per datagram, which on Linux (50 µs timer slack) cannot
/// produce rates between about 300,000 flows/s (`-d 1`) and its unpaced burst (`-d 0`): the range
/// where collectors start to lose flows. So the benchmark records what nfreplay sends once,
/// slowly and completely, and this sender replays those datagrams, in order and in a loop, at a
/// chosen rate: the receivers see nfreplay's stream, only faster or slower.
enum FlowReplay {
    struct ReplayError: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes datagrams as 4-byte big-endian lengths each followed by the datagram.
    static func write(_ datagrams: [[UInt8]], to path: String) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(datagrams.reduce(0) { $0 + 4 + $1.count })
        for datagram in datagrams {
            let length = UInt32(datagram.count)
            bytes += [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
            bytes += datagram
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Reads what ``write(_:to:)`` wrote.
    static func read(from path: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var datagrams: [[UInt8]] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4
            guard offset + length <= bytes.count else { throw ReplayError(description: "\(path) ends inside a datagram") }
            datagrams.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return datagrams
    }

    /// Sends `datagrams` in a loop to 127.0.0.1:`port` at `rate` datagrams per second for
    /// `seconds`, catching up in short bursts after each sleep; returns how many it sent.
    /// After a stall of the sender (descheduled) it catches up at most 5 ms' worth: a longer burst
    /// would measure the receiver's socket buffer, not the receiver. Blocks the calling thread (it
    /// runs in a process of its own).
    static func send(_ datagrams: [[UInt8]], port: Int, rate: Double, seconds: Double) throws -> Int {
        guard !datagrams.isEmpty, rate > 0 else { return 0 }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ReplayError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let total = Int((rate * seconds).rounded())
        let start = Stopwatch()
        let catchUpLimit = max(1, Int(rate * 0.005))
        var skipped = 0.0  // seconds of the schedule given up after stalls
        var sent = 0
        while sent < total {
            let elapsed = start.elapsed
            if Int(rate * (elapsed - skipped)) - sent > catchUpLimit {
                skipped = elapsed - Double(sent + catchUpLimit) / rate
            }
            let due = min(total, Int(rate * (elapsed - skipped)) + 1)
            while sent < due {
                let datagram = datagrams[sent % datagrams.count]
                let result = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                        datagram.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                }
                if result < 0 {
                    if errno == EINTR || errno == ENOBUFS || errno == EAGAIN { continue }
                    throw ReplayError(description: "sendto: \(String(cString: strerror(errno)))")
                }
                sent += 1
            }
            if sent < total { usleep(100) }
        }
        return sent
    }
}
