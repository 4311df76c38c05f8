#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// The file descriptors an engine owns: its ICMP sockets and its wake-up pipe, closed on deinit.
///
/// Only the I/O thread reads and writes the sockets; other threads only signal the pipe.
final class EngineResources: Sendable {
    let ipv4: FamilySockets
    let ipv6: FamilySockets?
    let wakeup: WakeupPipe

    init(configuration: ICMPEchoEngine.Configuration, logger: Logger) throws(ICMPEchoError) {
        let ipv4 = try Self.openFamily(.ipv4, configuration: configuration)
        var ipv6: FamilySockets?
        if configuration.enableIPv6 {
            do {
                ipv6 = try Self.openFamily(.ipv6, configuration: configuration)
            } catch {
                // IPv6 is optional: a host without it (or a mode it refuses) still pings IPv4.
                logger.notice("ICMPv6 echo is unavailable; IPv6 targets will be refused", metadata: ["reason": "\(error.message)"])
            }
        }
        do {
            wakeup = try WakeupPipe.make()
        } catch {
            Self.close(ipv4)
            ipv6.map(Self.close)
            throw error
        }
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    deinit {
        Self.close(ipv4)
        ipv6.map(Self.close)
        wakeup.close()
    }

    func sockets(for family: ICMPEchoAddress.Family) -> FamilySockets? {
        family == .ipv4 ? ipv4 : ipv6
    }

    var allFamilies: [FamilySockets] { [ipv4] + (ipv6.map { [$0] } ?? []) }

    private static func close(_ family: FamilySockets) {
        for socket in family.sockets { _ = Glibc.close(socket.descriptor) }
    }

    // MARK: Opening by mode

    static func openFamily(
        _ family: ICMPEchoAddress.Family,
        configuration: ICMPEchoEngine.Configuration
    ) throws(ICMPEchoError) -> FamilySockets {
        switch configuration.socketMode {
        case .raw:
            switch openRaw(family, configuration) {
            case .success(let sockets): return sockets
            case .failure(let failure): throw openError(family: family, raw: failure, datagram: nil)
            }
        case .datagram:
            switch openDatagram(family, configuration) {
            case .success(let sockets): return sockets
            case .failure(let failure): throw openError(family: family, raw: nil, datagram: failure)
            }
        case .automatic:
            switch openRaw(family, configuration) {
            case .success(let sockets):
                return sockets
            case .failure(let rawFailure) where rawFailure.isPermissionProblem:
                switch openDatagram(family, configuration) {
                case .success(let sockets): return sockets
                case .failure(let failure): throw openError(family: family, raw: rawFailure, datagram: failure)
                }
            case .failure(let failure):
                throw openError(family: family, raw: failure, datagram: nil)
            }
        }
    }

    private static func openRaw(
        _ family: ICMPEchoAddress.Family,
        _ configuration: ICMPEchoEngine.Configuration
    ) -> Result<FamilySockets, SocketOpenFailure> {
        ICMPSocket.open(
            family: family, kind: .raw,
            receiveBufferSize: configuration.receiveBufferSize, sendBufferSize: configuration.sendBufferSize
        ).map { socket in
            // Random identifiers make collisions with other raw-socket pingers unlikely; the payload
            // nonce rejects what still collides.
            let base = UInt16.random(in: .min ... .max)
            let lanes = (0 ..< configuration.identifiersPerFamily).map {
                FamilySockets.Lane(socketIndex: 0, identifier: base &+ UInt16($0))
            }
            return FamilySockets(family: family, kind: .raw, sockets: [socket], lanes: lanes)
        }
    }

    private static func openDatagram(
        _ family: ICMPEchoAddress.Family,
        _ configuration: ICMPEchoEngine.Configuration
    ) -> Result<FamilySockets, SocketOpenFailure> {
        var sockets: [ICMPSocket] = []
        for _ in 0 ..< configuration.identifiersPerFamily {
            switch ICMPSocket.open(
                family: family, kind: .datagram,
                receiveBufferSize: configuration.receiveBufferSize, sendBufferSize: configuration.sendBufferSize
            ) {
            case .success(let socket):
                sockets.append(socket)
            case .failure(let failure):
                for socket in sockets { _ = Glibc.close(socket.descriptor) }
                return .failure(failure)
            }
        }
        let lanes = sockets.enumerated().map { index, socket in
            FamilySockets.Lane(socketIndex: index, identifier: socket.boundIdentifier ?? 0)
        }
        return .success(FamilySockets(family: family, kind: .datagram, sockets: sockets, lanes: lanes))
    }

    // MARK: Error messages

    /// The error for failed attempts to open `family` sockets: the raw attempt's and/or the
    /// datagram attempt's failure (`nil` when that kind was not tried).
    static func openError(
        family: ICMPEchoAddress.Family,
        raw: SocketOpenFailure?,
        datagram: SocketOpenFailure?,
        pingGroupRange: String? = PermissionProbe.pingGroupRange(),
        group: UInt32 = getegid()
    ) -> ICMPEchoError {
        func cause(_ failure: SocketOpenFailure) -> String {
            "\(failure.step) failed: \(systemErrorDescription(failure.errorNumber))"
        }
        let last = datagram ?? raw ?? SocketOpenFailure(step: "socket()", errorNumber: 0)
        guard last.isPermissionProblem else {
            if last.errorNumber == EAFNOSUPPORT {
                return ICMPEchoError(code: .addressFamilyUnavailable, message: "\(family) is not supported on this host: \(cause(last))", systemErrorNumber: last.errorNumber)
            }
            return ICMPEchoError(code: .socketFailure, message: "cannot open an \(family) ICMP socket: \(cause(last))", systemErrorNumber: last.errorNumber)
        }
        let grantRaw = "run as root, or grant CAP_NET_RAW with `setcap cap_net_raw+ep <executable>`"
        let allowDatagram = "allow unprivileged ICMP sockets for this process's group \(group) (net.ipv4.ping_group_range is now \"\(pingGroupRange ?? "unreadable")\") with `sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"
        let message: String
        switch (raw, datagram) {
        case (let raw?, let datagram?):
            message = "cannot open any \(family) ICMP socket: raw sockets were refused (\(cause(raw))) and so were datagram sockets (\(cause(datagram))). Fix one of them: \(grantRaw); or \(allowDatagram)"
        case (let raw?, nil):
            message = "cannot open a raw \(family) ICMP socket (\(cause(raw))): \(grantRaw); or use socket mode .automatic or .datagram"
        case (nil, _):
            message = "cannot open a \(family) ICMP datagram socket (\(cause(last))): \(allowDatagram); or use socket mode .automatic or .raw with root or CAP_NET_RAW"
        }
        return ICMPEchoError(code: .permissionDenied, message: message, systemErrorNumber: last.errorNumber)
    }
}
