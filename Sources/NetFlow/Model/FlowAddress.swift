import NIOCore

/// An IPv4 or IPv6 address, stored inline (no allocation) so flow records stay cheap to copy.
///
/// IPv4 addresses keep the address in the low 32 bits of ``low``; IPv4-mapped IPv6 addresses
/// (`::ffff:a.b.c.d`, what a dual-stack socket reports for IPv4 senders) become IPv4.
public struct FlowAddress: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The first 64 bits of an IPv6 address; 0 for IPv4.
    public var high: UInt64
    /// The last 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits.
    public var low: UInt64
    /// Whether this is an IPv6 address.
    public var isIPv6: Bool

    /// Hashes one word for an IPv4 address instead of three fields: flow aggregation hashes
    /// several addresses per flow.
    public func hash(into hasher: inout Hasher) {
        if isIPv6 {
            hasher.combine(high)
            hasher.combine(low)
            hasher.combine(true)
        } else {
            hasher.combine(low)
        }
    }

    /// The IPv4 address `0.0.0.0`, used for a missing address field.
    public static let zero = FlowAddress(ipv4: 0)

    /// An IPv4 address in host byte order (`0x0A000001` is `10.0.0.1`).
    public init(ipv4: UInt32) {
        high = 0
        low = UInt64(ipv4)
        isIPv6 = false
    }

    /// An IPv6 address from its two big-endian halves; IPv4-mapped addresses become IPv4.
    public init(ipv6High high: UInt64, low: UInt64) {
        if high == 0 && (low >> 32) == 0xFFFF {
            self.high = 0
            self.low = low & 0xFFFF_FFFF
            isIPv6 = false
        } else {
            self.high = high
            self.low = low
            isIPv6 = true
        }
    }

    /// Parses `10.0.0.1` or `2001:db8::1`; `nil` if it is neither.
    public init?(_ text: String) {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        self.init(address)
    }

    /// The IP address of a socket address; `nil` for Unix domain sockets.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            self.init(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            let (high, low) = withUnsafeBytes(of: &raw) { bytes in
                (
                    UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                )
            }
            self.init(ipv6High: high, low: low)
        default:
            return nil
        }
    }

    /// The IPv4 address in host byte order, if this is IPv4.
    public var ipv4: UInt32? { isIPv6 ? nil : UInt32(truncatingIfNeeded: low) }

    /// Orders IPv4 before IPv6, then numerically.
    public static func < (lhs: FlowAddress, rhs: FlowAddress) -> Bool {
        if lhs.isIPv6 != rhs.isIPv6 { return !lhs.isIPv6 }
        return (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Dotted quad, or the RFC 5952 form of IPv6 (lower case, longest zero run as `::`).
    public var description: String {
        guard isIPv6 else {
            let value = UInt32(truncatingIfNeeded: low)
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for index in 0..<4 {
            groups[index] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(index)))
            groups[index + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(index)))
        }
        // Longest run of at least two zero groups, the first one on ties (RFC 5952 4.2).
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        var text = ""
        index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }
}
