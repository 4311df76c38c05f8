#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address to send echo requests to.
///
/// Parsing is strict: IPv4 needs the dotted-quad form (`"192.0.2.1"`), IPv6 the RFC 4291 text form
/// without a zone (`"2001:db8::1"`). Host names are not resolved.
public struct ICMPEchoAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: Hashable, Sendable, CustomStringConvertible {
        /// IPv4, probed with ICMP echo (type 8).
        case ipv4
        /// IPv6, probed with ICMPv6 echo (type 128).
        case ipv6

        /// `"IPv4"` or `"IPv6"`.
        public var description: String { self == .ipv4 ? "IPv4" : "IPv6" }
    }

    enum Storage: Hashable, Sendable {
        /// The address in network byte order, as in `in_addr.s_addr`.
        case v4(UInt32)
        /// The 16 address bytes, in two big-endian halves.
        case v6(UInt64, UInt64)
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// Parses a textual IPv4 or IPv6 address; surrounding white space is ignored.
    ///
    /// - Throws: ``ICMPEchoError`` with code ``ICMPEchoError/Code/invalidAddress`` naming the text.
    public init(_ text: String) throws(ICMPEchoError) {
        let trimmed = text.trimmingWhitespace()
        if let parsed = Self.parse(trimmed) {
            self = parsed
        } else {
            throw ICMPEchoError(
                code: .invalidAddress,
                message: "\"\(text)\" is not a valid IPv4 (a.b.c.d) or IPv6 address; host names are not resolved"
            )
        }
    }

    /// Creates an IPv4 address from its four octets, most significant first.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        let hostOrder = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
        storage = .v4(hostOrder.bigEndian)
    }

    /// The address family.
    public var family: Family {
        switch storage {
        case .v4: .ipv4
        case .v6: .ipv6
        }
    }

    /// The conventional text form, e.g. `"127.0.0.1"` or `"::1"`.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch storage {
        case .v4(let raw):
            var address = in_addr(s_addr: raw)
            _ = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
        case .v6:
            var address = in6Address
            _ = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parse(_ text: String) -> ICMPEchoAddress? {
        guard !text.isEmpty, !text.utf8.contains(0) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return ICMPEchoAddress(storage: .v4(v4.s_addr))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return ICMPEchoAddress(in6: v6)
        }
        return nil
    }

    init(in6 address: in6_addr) {
        let halves = withUnsafeBytes(of: address) { bytes in
            (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        storage = .v6(halves.0, halves.1)
    }

    package var in6Address: in6_addr {
        guard case .v6(let high, let low) = storage else { return in6_addr() }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { bytes in
            bytes.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
        }
        return address
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
