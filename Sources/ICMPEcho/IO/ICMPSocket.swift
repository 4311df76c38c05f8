#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One open, non-blocking ICMP socket. The descriptor is owned by ``EngineResources``.
struct ICMPSocket: Sendable {
    let descriptor: Int32
    let family: ICMPEchoAddress.Family
    let kind: ICMPEchoEngine.SocketKind
    /// For datagram sockets, the local "port" the kernel writes into every request's identifier.
    let boundIdentifier: UInt16?

    /// Whether received datagrams start with the IP header (only raw IPv4 sockets do).
    var includesIPHeader: Bool { kind == .raw && family == .ipv4 }
}

/// Why opening a socket failed: the failing step and its `errno`.
struct SocketOpenFailure: Error {
    var step: String
    var errorNumber: Int32

    /// Whether the kernel refused for lack of privilege rather than for another reason.
    var isPermissionProblem: Bool { errorNumber == EPERM || errorNumber == EACCES }
}

extension ICMPSocket {
    /// `SOL_RAW` from `<linux/socket.h>` (not exported by the Glibc module).
    private static let solRaw: Int32 = 255
    /// `ICMP_FILTER` (IPv4, level `SOL_RAW`) and `ICMP6_FILTER` (level `IPPROTO_ICMPV6`) are both 1.
    private static let icmpFilterOption: Int32 = 1

    /// Opens and configures one socket of the given family and kind.
    static func open(
        family: ICMPEchoAddress.Family,
        kind: ICMPEchoEngine.SocketKind,
        receiveBufferSize: Int,
        sendBufferSize: Int
    ) -> Result<ICMPSocket, SocketOpenFailure> {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let type = (kind == .raw ? Int32(SOCK_RAW.rawValue) : Int32(SOCK_DGRAM.rawValue))
            | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let proto = family == .ipv4 ? Int32(IPPROTO_ICMP) : Int32(IPPROTO_ICMPV6)
        let descriptor = socket(domain, type, proto)
        guard descriptor >= 0 else {
            return .failure(SocketOpenFailure(step: "socket(\(describe(family, kind)))", errorNumber: errno))
        }
        func fail(_ step: String) -> Result<ICMPSocket, SocketOpenFailure> {
            let number = errno
            close(descriptor)
            return .failure(SocketOpenFailure(step: step, errorNumber: number))
        }

        if kind == .raw {
            // Let the kernel drop everything but echo replies before they fill our buffer: a raw
            // socket otherwise sees every ICMP packet of the host (including our own requests on lo).
            let ok: Bool
            if family == .ipv4 {
                var filter: UInt32 = ~(UInt32(1) << UInt32(EchoPacket.echoReplyV4))
                ok = setsockopt(descriptor, solRaw, icmpFilterOption, &filter, socklen_t(MemoryLayout<UInt32>.size)) == 0
            } else {
                var filter = [UInt32](repeating: .max, count: 8)
                let type = Int(EchoPacket.echoReplyV6)
                filter[type >> 5] &= ~(UInt32(1) << UInt32(type & 31))
                ok = setsockopt(descriptor, Int32(IPPROTO_ICMPV6), icmpFilterOption, &filter, socklen_t(32)) == 0
            }
            if !ok { return fail("setsockopt(ICMP_FILTER)") }
        }

        // Root (CAP_NET_ADMIN) may exceed net.core.rmem_max/wmem_max with the FORCE variants.
        setBufferSize(descriptor, force: SO_RCVBUFFORCE, plain: SO_RCVBUF, bytes: receiveBufferSize)
        setBufferSize(descriptor, force: SO_SNDBUFFORCE, plain: SO_SNDBUF, bytes: sendBufferSize)

        var on: Int32 = 1
        if setsockopt(descriptor, SOL_SOCKET, SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            return fail("setsockopt(SO_TIMESTAMPNS)")
        }

        var boundIdentifier: UInt16?
        if kind == .datagram {
            let (port, failedStep) = bindAnyPort(descriptor, family: family)
            guard let port else { return fail(failedStep) }
            boundIdentifier = port
        }
        return .success(ICMPSocket(descriptor: descriptor, family: family, kind: kind, boundIdentifier: boundIdentifier))
    }

    /// The effective receive buffer size (the kernel reports twice the requested value).
    var receiveBufferSize: Int {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 ? Int(value) : 0
    }

    static func describe(_ family: ICMPEchoAddress.Family, _ kind: ICMPEchoEngine.SocketKind) -> String {
        let domain = family == .ipv4 ? "AF_INET" : "AF_INET6"
        let type = kind == .raw ? "SOCK_RAW" : "SOCK_DGRAM"
        let proto = family == .ipv4 ? "IPPROTO_ICMP" : "IPPROTO_ICMPV6"
        return "\(domain), \(type), \(proto)"
    }

    private static func setBufferSize(_ descriptor: Int32, force: Int32, plain: Int32, bytes: Int) {
        var value = Int32(clamping: bytes)
        let size = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor, SOL_SOCKET, force, &value, size) != 0 {
            // Without CAP_NET_ADMIN: the kernel silently caps at net.core.rmem_max / wmem_max.
            _ = setsockopt(descriptor, SOL_SOCKET, plain, &value, size)
        }
    }

    /// Binds a datagram ICMP socket to "port" 0 and returns the identifier the kernel picked.
    private static func bindAnyPort(_ descriptor: Int32, family: ICMPEchoAddress.Family) -> (port: UInt16?, failedStep: String) {
        if family == .ipv4 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { return (nil, "bind(ICMP datagram socket)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0 else { return (nil, "getsockname(ICMP datagram socket)") }
            return (UInt16(bigEndian: address.sin_port), "")
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            guard bound == 0 else { return (nil, "bind(ICMPv6 datagram socket)") }
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0 else { return (nil, "getsockname(ICMPv6 datagram socket)") }
            return (UInt16(bigEndian: address.sin6_port), "")
        }
    }
}
