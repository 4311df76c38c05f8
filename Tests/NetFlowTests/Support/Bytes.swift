import NetFlow

/// Big-endian byte building for hand-made datagrams.
extension Array where Element == UInt8 {
    mutating func put(_ value: UInt64, _ length: Int) {
        for index in (0..<length).reversed() {
            append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }

    mutating func put16(_ value: UInt16) { put(UInt64(value), 2) }
    mutating func put32(_ value: UInt32) { put(UInt64(value), 4) }

    mutating func put(_ address: FlowAddress) {
        if address.isIPv6 {
            put(address.high, 8)
            put(address.low, 8)
        } else {
            put(address.low, 4)
        }
    }

    static func be(_ value: UInt64, _ length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.put(value, length)
        return bytes
    }
}

func address(_ text: String) -> FlowAddress {
    guard let address = FlowAddress(text) else { fatalError("bad test address \(text)") }
    return address
}

/// A NetFlow v9 or IPFIX message made of sets.
struct MessageBuilder {
    var version: UInt16
    var domain: UInt32 = 0
    var sysUptime: UInt32 = 100_000
    var exportSeconds: UInt32 = 1_700_000_000
    var sets: [[UInt8]] = []

    init(version: UInt16, domain: UInt32 = 0) {
        self.version = version
        self.domain = domain
    }

    private var templateSetID: UInt16 { version == 9 ? 0 : 2 }
    private var optionsSetID: UInt16 { version == 9 ? 1 : 3 }

    /// Fields as (type, length) or, for IPFIX enterprise fields, (type, length, enterprise).
    mutating func template(_ id: UInt16, _ fields: [(UInt16, UInt16)], enterprise: [Int: UInt32] = [:]) {
        var body: [UInt8] = []
        body.put16(id)
        body.put16(UInt16(fields.count))
        for (index, field) in fields.enumerated() {
            if let number = enterprise[index] {
                body.put16(field.0 | 0x8000)
                body.put16(field.1)
                body.put32(number)
            } else {
                body.put16(field.0)
                body.put16(field.1)
            }
        }
        addSet(templateSetID, body)
    }

    mutating func withdraw(_ id: UInt16, options: Bool = false) {
        var body: [UInt8] = []
        body.put16(id)
        body.put16(0)
        addSet(options ? optionsSetID : templateSetID, body)
    }

    mutating func optionsTemplate(_ id: UInt16, scope: [(UInt16, UInt16)], options: [(UInt16, UInt16)]) {
        var body: [UInt8] = []
        body.put16(id)
        if version == 9 {
            body.put16(UInt16(scope.count * 4))
            body.put16(UInt16(options.count * 4))
        } else {
            body.put16(UInt16(scope.count + options.count))
            body.put16(UInt16(scope.count))
        }
        for field in scope + options {
            body.put16(field.0)
            body.put16(field.1)
        }
        addSet(optionsSetID, body, pad: true)
    }

    mutating func data(_ id: UInt16, _ records: [[UInt8]], padTo: Int = 4) {
        addSet(id, records.flatMap { $0 }, pad: true, padTo: padTo)
    }

    mutating func rawSet(_ id: UInt16, _ body: [UInt8]) {
        addSet(id, body)
    }

    private mutating func addSet(_ id: UInt16, _ body: [UInt8], pad: Bool = false, padTo: Int = 4) {
        var set: [UInt8] = []
        set.put16(id)
        var padded = body
        if pad {
            while (padded.count + 4) % padTo != 0 { padded.append(0) }
        }
        set.put16(UInt16(padded.count + 4))
        sets.append(set + padded)
    }

    var bytes: [UInt8] {
        var header: [UInt8] = []
        let body = sets.flatMap { $0 }
        header.put16(version)
        if version == 9 {
            header.put16(UInt16(sets.count))
            header.put32(sysUptime)
            header.put32(exportSeconds)
            header.put32(1)
            header.put32(domain)
        } else {
            header.put16(UInt16(16 + body.count))
            header.put32(exportSeconds)
            header.put32(1)
            header.put32(domain)
        }
        return header + body
    }
}

/// The v9/IPFIX IPv4 template used by most tests: 34-byte records.
enum StandardTemplate {
    static let fields: [(UInt16, UInt16)] = [
        (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4), (10, 2), (14, 2), (61, 1), (22, 4), (21, 4),
    ]

    static func record(
        source: String, destination: String, sourcePort: UInt16, destinationPort: UInt16, protocolNumber: UInt8,
        bytes: UInt32, packets: UInt32, input: UInt16 = 0, output: UInt16 = 0, direction: UInt8 = 0,
        first: UInt32 = 90_000, last: UInt32 = 99_000
    ) -> [UInt8] {
        var record: [UInt8] = []
        record.put(address(source))
        record.put(address(destination))
        record.put16(sourcePort)
        record.put16(destinationPort)
        record.append(protocolNumber)
        record.put32(bytes)
        record.put32(packets)
        record.put16(input)
        record.put16(output)
        record.append(direction)
        record.put32(first)
        record.put32(last)
        return record
    }
}

/// A v5 datagram.
func v5Datagram(records: [[UInt8]], count: UInt16? = nil, sampling: UInt16 = 0, engine: (UInt8, UInt8) = (0, 0)) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.put16(5)
    bytes.put16(count ?? UInt16(records.count))
    bytes.put32(100_000)
    bytes.put32(1_700_000_000)
    bytes.put32(0)
    bytes.put32(7)
    bytes.append(engine.0)
    bytes.append(engine.1)
    bytes.put16(sampling)
    return bytes + records.flatMap { $0 }
}

func v5Record(
    source: String, destination: String, sourcePort: UInt16, destinationPort: UInt16, protocolNumber: UInt8,
    bytes: UInt32, packets: UInt32, input: UInt16 = 0, output: UInt16 = 0
) -> [UInt8] {
    var record: [UInt8] = []
    record.put(address(source))
    record.put(address(destination))
    record.put32(0)  // next hop
    record.put16(input)
    record.put16(output)
    record.put32(packets)
    record.put32(bytes)
    record.put32(90_000)
    record.put32(99_000)
    record.put16(sourcePort)
    record.put16(destinationPort)
    record.append(0)
    record.append(0x10)
    record.append(protocolNumber)
    record.append(0)
    record.put32(0)  // AS numbers
    record.append(24)
    record.append(24)
    record.put16(0)
    return record
}

/// SplitMix64: a tiny deterministic generator so every run fuzzes the same inputs.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
