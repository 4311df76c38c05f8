#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A port on 127.0.0.1 that was free a moment ago, for a child (snmpd, a test server) to listen on.
///
/// The port is released before it is returned, so another process may take it first: a caller
/// whose child cannot bind it tries again with a new one.
package enum FreePort {
    /// A free UDP port on 127.0.0.1.
    package static func udp() throws -> Int {
        try find(type: Int32(SOCK_DGRAM.rawValue), name: "UDP")
    }

    /// A free TCP port on 127.0.0.1.
    package static func tcp() throws -> Int {
        try find(type: Int32(SOCK_STREAM.rawValue), name: "TCP")
    }

    /// Binds a socket of `type` to port 0 and asks the kernel which port it chose.
    private static func find(type: Int32, name: String) throws -> Int {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { throw ProcessSupportError(.socketFailure, "cannot open a \(name) socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw ProcessSupportError(.socketFailure, "cannot bind a \(name) socket on 127.0.0.1 to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
