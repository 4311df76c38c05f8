/// Bytes per IP protocol number. A tile sees a handful of protocols, so a short list searched
/// in order costs less than hashing for every flow; checkpoints hold it as a number → bytes map.
struct ProtocolTotals: Sendable, Codable {
    private var numbers: [UInt8] = []
    private var bytes: [UInt64] = []

    init() {}

    /// Every protocol number seen and its bytes.
    var totals: [UInt8: UInt64] {
        Dictionary(zip(numbers, bytes)) { first, _ in first }
    }

    mutating func add(_ number: UInt8, _ added: UInt64) {
        if let index = numbers.firstIndex(of: number) {
            bytes[index] = bytes[index].saturatingAdd(added)
        } else {
            numbers.append(number)
            bytes.append(added)
        }
    }

    mutating func merge(_ other: ProtocolTotals) {
        for index in other.numbers.indices { add(other.numbers[index], other.bytes[index]) }
    }

    init(from decoder: any Decoder) throws {
        for (number, total) in try [UInt8: UInt64](from: decoder) { add(number, total) }
    }

    func encode(to encoder: any Encoder) throws {
        try totals.encode(to: encoder)
    }
}
