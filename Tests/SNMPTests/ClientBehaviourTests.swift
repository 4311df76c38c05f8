import Testing

@testable import SNMP

/// Client logic against a scripted agent: walks, splitting, error-status, v1 quirks, timeouts.
@Suite("Client behaviour against a scripted agent")
struct ClientBehaviourTests {
    private static let root: OID = "1.3.6.1.2.1.2.2.1.2"

    /// An endless column `root.1, root.2, …` served by GETNEXT and GETBULK.
    private static func endlessColumn(_ request: PDU) -> PDU? {
        guard let start = request.varBinds.first?.oid else { return nil }
        let next = (start.index(after: root)?.first ?? 0) + 1
        let count = request.type == .getBulk ? Int(request.errorIndex) : 1
        let varBinds = (0..<UInt32(count)).map { VarBind(oid: root.appending(next + $0), value: .integer(Int64(next + $0))) }
        return PDU(type: .response, requestID: 0, varBinds: varBinds)
    }

    @Test func walkDetectsAgentsThatLoop() async throws {
        try await FakeAgent.with({ _ in
            // Always answers with the same row: the OID does not increase.
            PDU(type: .response, requestID: 0, varBinds: [VarBind(oid: Self.root.appending(1), value: .integer(1)), VarBind(oid: Self.root.appending(1), value: .integer(1))])
        }) { agent in
            try await SNMPClient.withClient { client in
                let error = await #expect(throws: SNMPError.self) { try await client.walk(Self.root, on: agent.target()) }
                #expect(error?.code == .walkLoop)
                #expect(error?.oid == Self.root.appending(1))
                #expect(error?.host == "127.0.0.1:\(agent.port)")
                #expect(error?.description.contains("not increasing") == true)
            }
        }
    }

    @Test func walkStopsAtMaxRows() async throws {
        try await FakeAgent.with(Self.endlessColumn) { agent in
            try await SNMPClient.withClient { client in
                let error = await #expect(throws: SNMPError.self) { try await client.walk(Self.root, on: agent.target(), maxRows: 60) }
                #expect(error?.code == .walkTooLarge)
                #expect(error?.message.contains("more than 60 rows") == true)
                // GETBULK repetitions are capped near the limit instead of fetching far past it.
                #expect(agent.receivedRequests.allSatisfy { $0.type == .getBulk && $0.errorIndex <= 25 })
                #expect(agent.receivedRequests.count == 3)
            }
        }
    }

    @Test func v1WalkUsesGetNextAndEndsOnNoSuchName() async throws {
        try await FakeAgent.with({ request in
            guard let oid = request.varBinds.first?.oid, request.type == .getNext else { return nil }
            if oid >= Self.root.appending(3) {
                return PDU(type: .response, requestID: 0, errorStatus: 2, errorIndex: 1, varBinds: request.varBinds)
            }
            return Self.endlessColumn(request)
        }) { agent in
            try await SNMPClient.withClient { client in
                let rows = try await client.walk(Self.root, on: agent.target(.v1(community: "public")))
                #expect(rows.map(\.oid) == [Self.root.appending(1), Self.root.appending(2), Self.root.appending(3)])
                #expect(agent.receivedRequests.allSatisfy { $0.type == .getNext })
            }
        }
    }

    @Test func getSplitsRequestsOnTooBig() async throws {
        let oids = (1...8).map { OID(arcs: [1, 3, 6, 1, 4, 1, 99, $0, 0]) }
        try await FakeAgent.with({ request in
            if request.varBinds.count > 2 {
                return PDU(type: .response, requestID: 0, errorStatus: 1, errorIndex: 0, varBinds: request.varBinds)
            }
            return PDU(type: .response, requestID: 0, varBinds: request.varBinds.map { VarBind(oid: $0.oid, value: .gauge32($0.oid.arcs[7])) })
        }) { agent in
            try await SNMPClient.withClient { client in
                let values = try await client.get(oids, from: agent.target())
                #expect(values.map(\.oid) == oids)
                #expect(values.map(\.value) == (1...8).map { .gauge32($0) })
                #expect(agent.receivedRequests.map(\.varBinds.count) == [8, 4, 2, 2, 4, 2, 2])
            }
        }
    }

    @Test func walkHalvesMaxRepetitionsOnTooBig() async throws {
        try await FakeAgent.with({ request in
            if request.type == .getBulk, request.errorIndex > 5 {
                return PDU(type: .response, requestID: 0, errorStatus: 1, errorIndex: 0, varBinds: [])
            }
            if let oid = request.varBinds.first?.oid, oid >= Self.root.appending(12) {
                return PDU(type: .response, requestID: 0, varBinds: [VarBind(oid: "1.3.6.1.2.1.2.2.1.3.1", value: .integer(6))])
            }
            return Self.endlessColumn(request)
        }) { agent in
            try await SNMPClient.withClient { client in
                let rows = try await client.walk(Self.root, on: agent.target())
                #expect(rows.count == 12)
                #expect(agent.receivedRequests.map(\.errorIndex).prefix(4) == [25, 12, 6, 3])
            }
        }
    }

    @Test func largeGetsAreChunked() async throws {
        let oids = (1...130).map { OID(arcs: [1, 3, 6, 1, 4, 1, 99, $0]) }
        try await FakeAgent.with({ request in
            PDU(type: .response, requestID: 0, varBinds: request.varBinds.map { VarBind(oid: $0.oid, value: .integer(1)) })
        }) { agent in
            try await SNMPClient.withClient { client in
                let values = try await client.get(oids, from: agent.target())
                #expect(values.map(\.oid) == oids)
                #expect(agent.receivedRequests.map(\.varBinds.count) == [60, 60, 10])
            }
        }
    }

    @Test func errorStatusNamesTheOID() async throws {
        let oids: [OID] = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0"]
        try await FakeAgent.with({ request in
            PDU(type: .response, requestID: 0, errorStatus: 5, errorIndex: 2, varBinds: request.varBinds)
        }) { agent in
            try await SNMPClient.withClient { client in
                let error = await #expect(throws: SNMPError.self) { try await client.get(oids, from: agent.target()) }
                #expect(error?.code == .errorStatus)
                #expect(error?.errorStatus == .genErr)
                #expect(error?.oid == oids[1])
                #expect(error?.description.contains("genErr(5)") == true)
                #expect(error?.description.contains("127.0.0.1:\(agent.port)") == true)
            }
        }
    }

    @Test func v1NoSuchNameMarksOnlyTheMissingOID() async throws {
        let present: OID = "1.3.6.1.2.1.1.5.0"
        let missing: OID = "1.3.6.1.2.1.1.9.9"
        try await FakeAgent.with({ request in
            if let index = request.varBinds.firstIndex(where: { $0.oid == missing }) {
                return PDU(type: .response, requestID: 0, errorStatus: 2, errorIndex: Int64(index + 1), varBinds: request.varBinds)
            }
            return PDU(type: .response, requestID: 0, varBinds: request.varBinds.map { VarBind(oid: $0.oid, value: .octetString([0x76])) })
        }) { agent in
            try await SNMPClient.withClient { client in
                let values = try await client.get([present, missing, present], from: agent.target(.v1(community: "public")))
                #expect(values.map(\.value) == [.octetString([0x76]), .noSuchObject, .octetString([0x76])])
                #expect(agent.receivedRequests.map(\.varBinds.count) == [3, 2])
            }
        }
    }

    @Test func silentAgentTimesOutWithAdvice() async throws {
        try await FakeAgent.with({ _ in nil }) { agent in
            try await SNMPClient.withClient { client in
                var target = agent.target(timeout: .milliseconds(100))
                target.retries = 1
                let error = await #expect(throws: SNMPError.self) { try await client.get("1.3.6.1.2.1.1.1.0", from: target) }
                #expect(error?.code == .timeout)
                #expect(error?.host == "127.0.0.1:\(agent.port)")
                #expect(error?.message.contains("2 attempt(s) of 100 ms") == true)
                #expect(error?.message.contains("community") == true)
                // Under load the agent may read the retransmission only after the client gave up.
                for _ in 0..<100 where agent.receivedRequests.count < 2 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(agent.receivedRequests.count == 2)
            }
        }
    }

    @Test func cancellationAbandonsTheRequest() async throws {
        try await FakeAgent.with({ _ in nil }) { agent in
            try await SNMPClient.withClient { client in
                let target = agent.target(timeout: .seconds(60))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await #expect(throws: CancellationError.self) { try await client.get("1.3.6.1.2.1.1.1.0", from: target) }
                    }
                    // Wait until the request is on the wire, then cancel it.
                    while agent.receivedRequests.isEmpty {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    group.cancelAll()
                    try await group.waitForAll()
                }
                #expect(client.ipv4.channel.isActive)
            }
        }
    }

    @Test func getBulkIsRefusedForV1AndBadTargetsAreReported() async throws {
        try await SNMPClient.withClient { client in
            let v1 = SNMPTarget(host: "127.0.0.1", port: 9, credentials: .v1(community: "public"))
            let bulk = await #expect(throws: SNMPError.self) { try await client.getBulk(["1.3.6.1"], maxRepetitions: 5, from: v1) }
            #expect(bulk?.code == .unsupportedProtocol)
            let badPort = SNMPTarget(host: "127.0.0.1", port: 70_000, credentials: .v2c(community: "public"))
            #expect((await #expect(throws: SNMPError.self) { try await client.get(["1.3.6.1"], from: badPort) })?.code == .invalidConfiguration)
        }
    }
}
