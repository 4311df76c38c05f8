#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the kernel settings that decide which ICMP sockets a process may open.
enum PermissionProbe {
    /// The contents of `/proc/sys/net/ipv4/ping_group_range` ("low high"), if readable.
    static func pingGroupRange() -> String? {
        guard let file = fopen("/proc/sys/net/ipv4/ping_group_range", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
    }
}
