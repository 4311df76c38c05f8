import NetFlow

extension Array where Element == UInt8 {
    /// `value`'s low `length` bytes, big-endian.
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
