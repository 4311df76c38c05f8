/// The PDU types SNMP uses (context-specific constructed tags, RFC 3416).
enum PDUType: UInt8, Sendable, CustomStringConvertible {
    case get = 0xA0
    case getNext = 0xA1
    case response = 0xA2
    case set = 0xA3
    case getBulk = 0xA5
    case inform = 0xA6
    case trapV2 = 0xA7
    case report = 0xA8

    var description: String {
        switch self {
        case .get: "GET"
        case .getNext: "GETNEXT"
        case .response: "RESPONSE"
        case .set: "SET"
        case .getBulk: "GETBULK"
        case .inform: "INFORM"
        case .trapV2: "TRAPv2"
        case .report: "REPORT"
        }
    }
}

/// A protocol data unit. For GETBULK the two middle fields carry non-repeaters and
/// max-repetitions instead of error-status and error-index (RFC 3416 §3).
struct PDU: Hashable, Sendable {
    var type: PDUType
    var requestID: Int32
    var errorStatus: Int64 = 0
    var errorIndex: Int64 = 0
    var varBinds: [VarBind]

    /// The most varbinds accepted in a decoded PDU, to bound memory for hostile input.
    static let maximumVarBinds = 10_000

    static func request(_ type: PDUType, requestID: Int32, oids: [OID]) -> PDU {
        PDU(type: type, requestID: requestID, varBinds: oids.map { VarBind(oid: $0) })
    }

    static func getBulk(requestID: Int32, oids: [OID], nonRepeaters: Int, maxRepetitions: Int) -> PDU {
        PDU(
            type: .getBulk,
            requestID: requestID,
            errorStatus: Int64(nonRepeaters),
            errorIndex: Int64(maxRepetitions),
            varBinds: oids.map { VarBind(oid: $0) }
        )
    }
}
