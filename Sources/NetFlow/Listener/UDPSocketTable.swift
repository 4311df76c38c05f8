import Foundation

/// What Linux reports for a UDP socket in `/proc/net/udp` and `/proc/net/udp6`: its queue and
/// the datagrams it dropped because its receive buffer was full.
package struct UDPSocketTable: Sendable, Hashable {
    /// Bytes waiting in the socket's receive queue.
    package var receiveQueueBytes: Int
    /// Datagrams the kernel dropped for the socket (receive buffer full).
    package var drops: Int

    /// The socket bound to local `port` (any address, IPv4 or IPv6), if there is one (and this is Linux).
    package static func entry(port: Int) -> UDPSocketTable? {
        let suffix = String(format: ":%04X", port)
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = readWhole(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
                let columns = line.split(separator: " ")
                guard columns.count >= 13, columns[1].hasSuffix(suffix),
                    let queue = columns[4].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                    let drops = Int(columns[columns.count - 1])
                else { continue }
                return UDPSocketTable(receiveQueueBytes: queue, drops: drops)
            }
        }
        return nil
    }

    /// The whole file, read until the end: procfs hands out tables a page at a time, and
    /// `String(contentsOfFile:)` takes the first short read for the end (only the first sockets).
    static func readWhole(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return (try? handle.readToEnd()).map { String(decoding: $0 ?? Data(), as: UTF8.self) }
    }
}
