/// The sockets of one address family and the identifiers ("lanes") multiplexed over them.
///
/// A raw socket carries several identifiers chosen by the engine; a datagram socket carries exactly
/// one, the "port" the kernel bound it to (the kernel rewrites the identifier of every request sent
/// on it), so datagram mode opens one socket per lane.
struct FamilySockets: Sendable {
    struct Lane: Sendable {
        var socketIndex: Int
        var identifier: UInt16
    }

    let family: ICMPEchoAddress.Family
    let kind: ICMPEchoEngine.SocketKind
    let sockets: [ICMPSocket]
    let lanes: [Lane]
    let laneByIdentifier: [UInt16: Int]

    init(family: ICMPEchoAddress.Family, kind: ICMPEchoEngine.SocketKind, sockets: [ICMPSocket], lanes: [Lane]) {
        self.family = family
        self.kind = kind
        self.sockets = sockets
        self.lanes = lanes
        var map: [UInt16: Int] = [:]
        for (index, lane) in lanes.enumerated() { map[lane.identifier] = index }
        laneByIdentifier = map
    }
}
