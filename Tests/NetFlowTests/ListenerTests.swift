import NIOCore
import NetFlow
import ProcessSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("UDP listener")
struct ListenerTests {
    @Test func deliversDatagramsWithTheExporterAddressAndReportsTheReceiveBuffer() async throws {
        var decoder = NetFlowDecoder()
        var message = ExportMessage(version: 9)
        message.template(256, StandardTemplate.fields)
        message.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 64, packets: 1)])
        // A datagram longer than the reference's 4,096-byte read: 1,700 records.
        var big = ExportMessage(version: 9)
        big.data(256, Array(repeating: StandardTemplate.record(source: "10.0.0.3", destination: "10.0.0.4", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 1, packets: 1), count: 1_700))
        let bytes = message.bytes
        let bigBytes = big.bytes
        #expect(bigBytes.count > 57_000)
        let flows = try await FlowTools.collect(decoder: &decoder) { port in
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            try FlowTools.send(bytes, to: target)
            try FlowTools.send(bigBytes, to: target)
        }
        #expect(flows.count == 1_701)
        #expect(flows.first?.exporter == address("127.0.0.1"))
        #expect(flows.first?.bytes == 64)
    }

    @Test func aReceivingFunctionGetsEveryDatagramInOrderAndTheStreamStaysEmpty() async throws {
        let received = Mutex<[UInt8]>([])
        let listener = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: 0)) { datagram in
            received.withLock { $0.append(datagram.bytes.getInteger(at: datagram.bytes.readerIndex, as: UInt8.self) ?? 0) }
        }
        let runner = Task { await listener.run() }
        for index in 0..<200 {
            try FlowTools.send([UInt8(index), 0, 0, 0], to: listener.localAddress)
        }
        for _ in 0..<1_000 where received.withLock({ $0.count }) < 200 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(received.withLock { $0 } == (0..<200).map { UInt8($0) })
        #expect(listener.receivedDatagrams == 200)
        var streamed = 0
        for await _ in listener.datagrams { streamed += 1 }
        #expect(streamed == 0)
        #expect(listener.kernelDroppedDatagrams == 0)
        await listener.close()
        await runner.value
    }

    @Test func aPortAlreadyTakenIsRefusedNotShared() async throws {
        // With SO_REUSEADDR, both binds would succeed and one of the two sockets would get the
        // exporters' datagrams, silently.
        let first = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: 0))
        let port = try #require(first.localAddress.port)
        await #expect(throws: (any Error).self) {
            let second = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: port))
            await second.close()
        }
        await first.close()
        // Once closed, the port binds again at once (UDP has no TIME_WAIT).
        let again = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: port))
        #expect(again.localAddress.port == port)
        await again.close()
    }

    @Test func aSocketBeyondTheTablesFirstPageIsFound() throws {
        // 200 sockets make /proc/net/udp longer than the page procfs hands out per read.
        let sockets = (0..<200).map { _ in FlowTools.boundUDPSocket() }
        defer { sockets.forEach { close($0.descriptor) } }
        let ports = sockets.map(\.port)
        #expect(ports.allSatisfy { UDPSocketTable.entry(port: $0) != nil })
    }

    @Test func theKernelsDropsOfAFullSocketAreRead() throws {
        // A socket with the smallest receive buffer that nobody reads: the kernel drops the rest.
        let (fd, port) = FlowTools.boundUDPSocket(receiveBufferSize: 1)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(UDPSocketTable.entry(port: port)?.drops == 0)
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        for _ in 0..<100 {
            try FlowTools.send([UInt8](repeating: 7, count: 1_000), to: target)
        }
        let entry = try #require(UDPSocketTable.entry(port: port))
        #expect(entry.receiveQueueBytes > 0)
        #expect(entry.drops > 0)
        #expect(entry.drops < 100)
    }

    @Test func receiveBufferIsRequestedAndReadBack() async throws {
        let listener = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: 0, receiveBufferSize: 8 << 20))
        #expect(listener.receiveBufferSize > 0)
        // Either granted (Linux reports double) or capped, in which case the advice says how to raise it.
        #expect(listener.receiveBufferIsCapped == (listener.receiveBufferAdvice != nil))
        await listener.close()
        var count = 0
        for await _ in listener.datagrams { count += 1 }
        #expect(count == 0)
    }

    @Test(.enabled(if: hasIPv6Loopback, "no IPv6 loopback (::1) on this host"))
    func ipv6ExportersOnIPv6Sockets() async throws {
        let listener = try await NetFlowListener.bind(.init(host: "::1", port: 0))
        let target = listener.localAddress
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            try FlowTools.send(ExportMessage.v5(records: [ExportMessage.v5Record(source: address("10.0.0.1"), destination: address("10.0.0.2"), sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 5, packets: 1)]), to: target)
            var decoder = NetFlowDecoder()
            var flows: [FlowRecord] = []
            for await datagram in listener.datagrams {
                decoder.decode(datagram, into: &flows)
                break
            }
            #expect(flows.first?.exporter == address("::1"))
            group.cancelAll()
        }
    }

    @Test(.enabled(if: hasIPv6Loopback, "no IPv6 loopback (::1) on this host"))
    func dualStackSocketReportsIPv4ExportersAsIPv4() async throws {
        let listener = try await NetFlowListener.bind(.init(host: "::", port: 0))
        let port = listener.localAddress.port ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            // A host with net.ipv6.bindv6only=1 would not deliver this; ours delivers or the test fails.
            try FlowTools.send(FlowTools.sentinel, to: try SocketAddress(ipAddress: "127.0.0.1", port: port))
            for await datagram in listener.datagrams {
                #expect(datagram.exporter == address("127.0.0.1"))
                break
            }
            group.cancelAll()
        }
    }

    static let hasIPv6Loopback: Bool = {
        (try? SocketAddress(ipAddress: "::1", port: 0)) != nil && IPv6Loopback.isUsable
    }()
}
