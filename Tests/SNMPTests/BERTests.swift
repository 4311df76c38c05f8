import Testing

@testable import SNMP

@Suite("BER and message encoding")
struct BERTests {
    private let requestOIDs: [OID] = [
        "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.2.2.1.5.1", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.9.9",
    ]

    @Test func encodesGetRequestExactlyLikeNetSNMP() throws {
        let message = CommunityMessage(
            version: 1,
            community: Array("public".utf8),
            pdu: .request(.get, requestID: 0x5FFE_F605, oids: requestOIDs)
        )
        #expect(try message.encode() == NetSNMPFixtures.v2cGetRequest)
    }

    @Test func encodesGetBulkRequestExactlyLikeNetSNMP() throws {
        let message = CommunityMessage(
            version: 1,
            community: Array("public".utf8),
            pdu: .getBulk(
                requestID: 0x4D72_660A,
                oids: ["1.3.6.1.2.1.1.3", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.4.20.1.1"],
                nonRepeaters: 1,
                maxRepetitions: 2
            )
        )
        #expect(try message.encode() == NetSNMPFixtures.v2cBulkRequest)
    }

    @Test func encodesV3DiscoveryExactlyLikeNetSNMP() throws {
        let probe = V3Message(
            messageID: 0x65E5_A6BE,
            flags: .reportable,
            security: USMSecurityParameters(),
            payload: .plaintext(ScopedPDU(contextEngineID: [], contextName: [], pdu: PDU(type: .get, requestID: 0x5865_C15A, varBinds: [])))
        )
        #expect(try probe.encode() == NetSNMPFixtures.v3DiscoveryRequest)
    }

    @Test func decodesGetResponseFromNetSNMP() throws {
        let message = try CommunityMessage.decode(NetSNMPFixtures.v2cGetResponse)
        #expect(message.version == 1)
        #expect(message.community == Array("public".utf8))
        #expect(message.pdu.type == .response)
        #expect(message.pdu.requestID == 0x5FFE_F605)
        #expect(message.pdu.varBinds.map(\.oid) == requestOIDs)
        #expect(
            message.pdu.varBinds.map(\.value) == [
                .octetString(Array("vm".utf8)), .gauge32(10_000_000), .timeTicks(595),
                .objectIdentifier("1.3.6.1.4.1.8072.3.2.10"), .noSuchObject,
            ]
        )
    }

    @Test func decodesBulkResponseWithCounter64AndIpAddress() throws {
        let message = try CommunityMessage.decode(NetSNMPFixtures.v2cBulkResponse)
        #expect(
            message.pdu.varBinds == [
                VarBind(oid: "1.3.6.1.2.1.1.3.0", value: .timeTicks(855)),
                VarBind(oid: "1.3.6.1.2.1.31.1.1.1.6.1", value: .counter64(21579)),
                VarBind(oid: "1.3.6.1.2.1.4.20.1.1.127.0.0.1", value: .ipAddress([127, 0, 0, 1])),
                VarBind(oid: "1.3.6.1.2.1.31.1.1.1.6.2", value: .counter64(0)),
                VarBind(oid: "1.3.6.1.2.1.4.20.1.1.192.0.2.2", value: .ipAddress([192, 0, 2, 2])),
            ]
        )
    }

    @Test func decodesV1ErrorStatusAndEndOfMibView() throws {
        let v1 = try CommunityMessage.decode(NetSNMPFixtures.v1NoSuchNameResponse)
        #expect(v1.version == 0)
        #expect(v1.pdu.errorStatus == SNMPErrorStatus.noSuchName.rawValue)
        #expect(v1.pdu.errorIndex == 2)
        let end = try CommunityMessage.decode(NetSNMPFixtures.v2cEndOfMibViewResponse)
        #expect(end.pdu.varBinds == [VarBind(oid: "1.3.6.1.6.3.16.2.2.1.4.99", value: .endOfMibView)])
    }

    @Test func peeksRequestIDsOfEveryVersion() {
        #expect(MessageHeader.peek(NetSNMPFixtures.v2cGetResponse) == MessageHeader(version: 1, id: 0x5FFE_F605))
        #expect(MessageHeader.peek(NetSNMPFixtures.v1NoSuchNameResponse) == MessageHeader(version: 0, id: 0x5390_602E))
        #expect(MessageHeader.peek(NetSNMPFixtures.v3DiscoveryReport) == MessageHeader(version: 3, id: 0x65E5_A6BE))
        #expect(MessageHeader.peek([0x30, 0x03, 0x02, 0x01, 0x02]) == nil)
        #expect(MessageHeader.peek([]) == nil)
    }

    @Test func decodesV3DiscoveryReport() throws {
        let report = try V3Message.decode(NetSNMPFixtures.v3DiscoveryReport)
        #expect(report.security.engineID == NetSNMPFixtures.engineID)
        #expect(report.security.engineBoots == 1)
        #expect(report.security.engineTime == 14)
        guard case .plaintext(let scoped) = report.payload else {
            Issue.record("report should be plaintext")
            return
        }
        #expect(scoped.pdu.type == .report)
        #expect(scoped.pdu.varBinds == [VarBind(oid: ReportOID.unknownEngineIDs, value: .counter32(9))])
    }

    @Test(arguments: [
        // (encoding, value): non-minimal and long-form encodings real agents send.
        ([0x02, 0x01, 0x00], Int64(0)),
        ([0x02, 0x01, 0x7F], 127),
        ([0x02, 0x02, 0x00, 0x80], 128),
        ([0x02, 0x01, 0x80], -128),
        ([0x02, 0x02, 0xFF, 0x7F], -129),
        ([0x02, 0x04, 0x00, 0x00, 0x00, 0x05], 5),
        ([0x02, 0x03, 0xFF, 0xFF, 0xFF], -1),
        ([0x02, 0x82, 0x00, 0x01, 0x2A], 42),
        ([0x02, 0x84, 0x00, 0x00, 0x00, 0x01, 0x2A], 42),
        ([0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF], Int64(Int32.max)),
        ([0x02, 0x04, 0x80, 0x00, 0x00, 0x00], Int64(Int32.min)),
    ] as [([UInt8], Int64)])
    func decodesLenientIntegers(encoding: [UInt8], value: Int64) throws {
        var reader = BERReader(encoding)
        #expect(try reader.readInteger("test") == value)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: [Int64(0), 1, 127, 128, 255, 256, -1, -128, -129, 65535, Int64(Int32.max), Int64(Int32.min), Int64.max, Int64.min])
    func integersRoundTripMinimally(value: Int64) throws {
        var writer = BERWriter()
        writer.writeInteger(value)
        var reader = BERReader(writer.bytes)
        #expect(try reader.readInteger("test") == value)
        // Minimal: the first two content octets never start with 9 equal bits.
        let contents = Array(writer.bytes.dropFirst(2))
        if contents.count > 1 {
            #expect(!(contents[0] == 0 && contents[1] & 0x80 == 0))
            #expect(!(contents[0] == 0xFF && contents[1] & 0x80 != 0))
        }
    }

    @Test func decodesUnsignedValuesLeniently() throws {
        let oid: OID = "1.3.6.1"
        func value(_ encoding: [UInt8]) throws -> SNMPValue {
            var reader = BERReader(encoding)
            return try SNMPValue.decode(from: &reader, oid: oid)
        }
        // Counter32 2³²-1 with and without the leading zero octet (both seen in the wild).
        #expect(try value([0x41, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]) == .counter32(UInt32.max))
        #expect(try value([0x41, 0x04, 0xFF, 0xFF, 0xFF, 0xFF]) == .counter32(UInt32.max))
        #expect(try value([0x42, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07]) == .gauge32(7))
        #expect(try value([0x46, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .counter64(UInt64.max))
        #expect(throws: SNMPError.self) { try value([0x41, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00]) }
        #expect(throws: SNMPError.self) { try value([0x40, 0x03, 0x01, 0x02, 0x03]) }
        #expect(try value([0x47, 0x01, 0x05]) == .unknown(tag: 0x47, contents: [0x05]))
        #expect(try value([0x44, 0x03, 0x9F, 0x78, 0x00]) == .opaque([0x9F, 0x78, 0x00]))
    }

    @Test func everyValueTypeRoundTrips() throws {
        let values: [SNMPValue] = [
            .integer(-5), .integer(1 << 40), .octetString([0, 1, 0xFF]), .null, .objectIdentifier("2.999.1"),
            .ipAddress([10, 0, 0, 1]), .counter32(UInt32.max), .gauge32(0), .timeTicks(123_456),
            .opaque([1, 2]), .counter64(UInt64.max), .noSuchObject, .noSuchInstance, .endOfMibView,
        ]
        let pdu = PDU(type: .response, requestID: 7, varBinds: values.map { VarBind(oid: "1.3.6.1.2.1.1.1.0", value: $0) })
        let encoded = try CommunityMessage(version: 1, community: Array("c".utf8), pdu: pdu).encode()
        #expect(try CommunityMessage.decode(encoded).pdu == pdu)
    }

    @Test func longMessagesUseLongFormLengths() throws {
        let text = [UInt8](repeating: 0x41, count: 70_000)
        let pdu = PDU(type: .response, requestID: 1, varBinds: [VarBind(oid: "1.3.6.1.2.1.1.1.0", value: .octetString(text))])
        let encoded = try CommunityMessage(version: 1, community: [], pdu: pdu).encode()
        #expect(Array(encoded.prefix(2)) == [0x30, 0x83])
        #expect(try CommunityMessage.decode(encoded).pdu == pdu)
    }

    @Test func objectIdentifiersRoundTripIncludingLargeArcs() throws {
        let oids: [OID] = ["0.0", "1.3", "1.3.6.1.4.1.8072.3.2.10", "2.999.3", "1.3.6.1.4294967295.128.16383.16384"]
        for oid in oids {
            var writer = BERWriter()
            writer.writeObjectIdentifier(oid)
            var reader = BERReader(writer.bytes)
            #expect(try reader.readObjectIdentifier("oid") == oid)
        }
        var writer = BERWriter()
        writer.writeObjectIdentifier("1.3.6.1.4.1.8072")
        #expect(writer.bytes == [0x06, 0x07, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xBF, 0x08])
    }

    @Test func rejectsBadObjectIdentifiers() {
        // Sub-identifier over 32 bits, truncated sub-identifier, too many arcs.
        #expect(throws: SNMPError.self) { try BERReader.objectIdentifier([0x2B, 0x90, 0x80, 0x80, 0x80, 0x00][...]) }
        #expect(throws: SNMPError.self) { try BERReader.objectIdentifier([0x2B, 0x86][...]) }
        #expect(throws: SNMPError.self) { try BERReader.objectIdentifier(ArraySlice([0x2B] + [UInt8](repeating: 1, count: 200))) }
    }

    @Test func rejectsStructuralDamageWithClearMessages() {
        func decode(_ packet: [UInt8]) -> SNMPError? {
            do {
                _ = try CommunityMessage.decode(packet)
                return nil
            } catch {
                return error
            }
        }
        let truncated = Array(NetSNMPFixtures.v2cGetResponse.dropLast(3))
        #expect(decode(truncated)?.code == .malformedMessage)
        #expect(decode(truncated)?.message.contains("exceeds") == true)
        #expect(decode([0x30, 0x80, 0x00, 0x00])?.message.contains("indefinite length") == true)
        #expect(decode([0x30, 0x85, 0, 0, 0, 0, 1])?.message.contains("too long") == true)
        #expect(decode([0x1F, 0x01, 0x00])?.message.contains("multi-octet tag") == true)
        #expect(decode([0x30, 0x03, 0x02, 0x01, 0x03])?.message.contains("version 3") == true)
    }

    @Test func limitsNestingDepth() {
        var packet: [UInt8] = [0x05, 0x00]
        for _ in 0..<40 {
            packet = [0x30, UInt8(packet.count)] + packet
        }
        var reader = BERReader(packet)
        var depth = 0
        #expect(throws: SNMPError.self) {
            while true {
                reader = try reader.readConstructed(tag: BERTag.sequence, "nested")
                depth += 1
            }
        }
        #expect(depth == BERReader.maximumDepth)
    }

    @Test func parsesAndOrdersOIDs() {
        #expect(OID(parsing: ".1.3.6.1") == OID(arcs: [1, 3, 6, 1]))
        #expect(OID(parsing: "1.3.x") == nil)
        #expect(OID(parsing: "1") == nil)
        #expect(OID(parsing: "3.1") == nil)
        #expect(OID(parsing: "1.3..6") == nil)
        #expect(OID(parsing: "1.3.6.1.2.1.2.2.1.2.10")! > OID(parsing: "1.3.6.1.2.1.2.2.1.2.9")!)
        #expect(OID(parsing: "1.3.6.1.2.1.2.2.1.2")! < OID(parsing: "1.3.6.1.2.1.2.2.1.2.1")!)
        let column: OID = "1.3.6.1.2.1.2.2.1.2"
        #expect(OID(parsing: "1.3.6.1.2.1.2.2.1.2.7")!.index(after: column) == [7])
        #expect(OID(parsing: "1.3.6.1.2.1.2.2.1.3.7")!.index(after: column) == nil)
        #expect(column.index(after: column) == nil)
    }
}
