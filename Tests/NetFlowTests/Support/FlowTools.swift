import Foundation
import NetFlow
import NIOCore
import ProcessSupport

#if canImport(Glibc)
import Glibc
#endif

/// Debian's flow tools, found on the PATH's usual places; tests that need one skip without it.
enum FlowTools {
    static func find(_ name: String) -> String? {
        ["/usr/sbin/", "/usr/bin/", "/usr/local/sbin/", "/usr/local/bin/"].map { $0 + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let softflowd = find("softflowd")
    static let nfcapd = find("nfcapd")
    static let nfreplay = find("nfreplay")

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netflow-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    struct ToolError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool to completion without blocking a cooperative thread; returns its output.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], in directory: URL) async throws -> String {
        let log = directory.appendingPathComponent("\(URL(fileURLWithPath: path).lastPathComponent)-\(UUID().uuidString).log")
        let process = try ChildProcess.spawn(path, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], output: .file(log.path))
        // A hung tool must not hang the suite.
        guard let status = await process.termination(within: .seconds(60)) else {
            await process.terminate()
            throw ToolError(description: "\(path) \(arguments) did not exit")
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status.exitCode == 0 else {
            throw ToolError(description: "\(path) \(arguments) failed (status \(status)): \(output)")
        }
        return output
    }

    /// A UDP port that was free a moment ago.
    static func freeUDPPort() -> Int {
        let (fd, port) = boundUDPSocket()
        close(fd)
        return port
    }

    /// A UDP socket bound to a free port on 127.0.0.1 (close it), with its port.
    static func boundUDPSocket(receiveBufferSize: Int32? = nil) -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        if var size = receiveBufferSize {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether something is bound to this UDP port (from /proc/net/udp).
    static func isBound(udpPort port: Int) -> Bool {
        UDPSocketTable.entry(port: port) != nil
    }

    /// Whether the socket bound to this UDP port has no unread datagrams (rx_queue is 0).
    static func receiveQueueIsEmpty(udpPort port: Int) -> Bool {
        (UDPSocketTable.entry(port: port)?.receiveQueueBytes ?? 0) == 0
    }

    /// Sends one datagram from a fresh socket.
    static func send(_ bytes: [UInt8], to address: SocketAddress) throws {
        let fd = socket(address.protocol == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ToolError(description: "socket failed") }
        defer { close(fd) }
        let sent = address.withSockAddr { pointer, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, pointer, socklen_t(length)) }
        }
        guard sent == bytes.count else { throw ToolError(description: "sendto failed: \(errno)") }
    }

    /// An unknown-version datagram sent after a tool exits: loopback keeps the order, so
    /// seeing it means everything the tool sent has been received.
    static let sentinel: [UInt8] = [0xBE, 0xEF, 0, 0]

    /// Binds a listener on 127.0.0.1, runs `produce` (which sends to the listener's port), then
    /// the sentinel, and decodes everything received before the sentinel.
    static func collect(
        decoder: inout NetFlowDecoder,
        _ produce: @Sendable (Int) async throws -> Void
    ) async throws -> [FlowRecord] {
        let listener = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: 0))
        let port = listener.localAddress.port ?? 0
        var flows: [FlowRecord] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            group.addTask {
                // Safety net: a lost sentinel ends the test instead of hanging it.
                try? await Task.sleep(for: .seconds(60))
                await listener.close()
            }
            try await produce(port)
            try send(sentinel, to: listener.localAddress)
            for await datagram in listener.datagrams {
                if datagram.bytes.getBytes(at: datagram.bytes.readerIndex, length: 4) == sentinel { break }
                decoder.decode(datagram, into: &flows)
            }
            group.cancelAll()
        }
        return flows
    }
}

extension FlowTools {
    /// Starts a long-running tool (stop it with `terminate()`).
    static func spawn(_ path: String, _ arguments: [String], in directory: URL) throws -> ChildProcess {
        let log = directory.appendingPathComponent("\(URL(fileURLWithPath: path).lastPathComponent).log")
        return try ChildProcess.spawn(path, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], output: .file(log.path))
    }
}
