import Foundation
import Testing

@testable import GrafoleanCollector

@Suite("Details decode leniently into a bot's own types")
struct JSONValueTests {
    struct PingCredential: Decodable, Equatable {
        var nPackets: Int
        var sleepPackets: Double
        var timeout: Double?
        var retry: Int?
        enum CodingKeys: String, CodingKey {
            case nPackets = "n_packets", sleepPackets = "sleep_packets", timeout, retry
        }
    }

    @Test func numbersAsStringsAsTheWebUIStoresThem() throws {
        let details: JSONValue = ["n_packets": "3", "sleep_packets": "1.0", "timeout": " 2 ", "retry": ""]
        let credential = try details.decode(PingCredential.self)
        #expect(credential == PingCredential(nPackets: 3, sleepPackets: 1.0, timeout: 2, retry: nil))
    }

    @Test func numbersAsNumbers() throws {
        let details: JSONValue = ["n_packets": 5, "sleep_packets": 0.5]
        #expect(try details.decode(PingCredential.self) == PingCredential(nPackets: 5, sleepPackets: 0.5, timeout: nil, retry: nil))
    }

    @Test func errorsNameTheKey() throws {
        let details: JSONValue = ["n_packets": "three", "sleep_packets": "1"]
        let error = try #require(throws: DecodingError.self) { try details.decode(PingCredential.self) }
        guard case .typeMismatch(_, let context) = error else { Issue.record("unexpected \(error)"); return }
        #expect(context.codingPath.map(\.stringValue) == ["n_packets"])
        #expect(context.debugDescription.contains("three"))
    }

    @Test func fractionalIntegerIsRejected() throws {
        let details: JSONValue = ["n_packets": "2.5", "sleep_packets": "1"]
        #expect(throws: DecodingError.self) { try details.decode(PingCredential.self) }
    }

    @Test func stringFieldAcceptsANumberAndNestedValuesStayJSON() throws {
        struct Snmp: Decodable { var community: String; var oids: [Oid]; var raw: JSONValue }
        struct Oid: Decodable { var oid: String; var fetchMethod: String
            enum CodingKeys: String, CodingKey { case oid, fetchMethod = "fetch_method" }
        }
        let details: JSONValue = ["community": 12345, "oids": [["oid": "1.3.6", "fetch_method": "walk"]], "raw": [1, "x"]]
        let decoded = try details.decode(Snmp.self)
        #expect(decoded.community == "12345")
        #expect(decoded.oids.first?.fetchMethod == "walk")
        #expect(decoded.raw == [1, "x"])
    }

    @Test func roundTripsThroughJSON() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": 30]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(String(decoding: try JSONEncoder().encode(JSONValue.number(30)), as: UTF8.self) == "30")
    }
}
