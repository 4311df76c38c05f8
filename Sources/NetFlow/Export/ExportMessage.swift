/// A NetFlow v9 or IPFIX message put together set by set: what the demo's exporter, the
/// benchmarks' generated traffic and the tests send. The collector itself never encodes.
package struct ExportMessage: Sendable {
    /// 9 (NetFlow v9) or 10 (IPFIX).
    package var version: UInt16
    /// The v9 source id or the IPFIX observation domain.
    package var domain: UInt32
    /// v9 only: the exporter's uptime in milliseconds.
    package var sysUptime: UInt32 = 100_000
    /// The export time, in seconds since 1970.
    package var exportSeconds: UInt32 = 1_700_000_000
    /// The header's sequence number.
    package var sequence: UInt32 = 1
    /// The sets so far, each with its header (and padding).
    package private(set) var sets: [[UInt8]] = []
    /// Records so far (templates and data): the v9 header's count.
    private var recordCount = 0

    /// An empty message.
    package init(version: UInt16, domain: UInt32 = 0) {
        self.version = version
        self.domain = domain
    }

    private var templateSetID: UInt16 { version == 9 ? 0 : 2 }
    private var optionsSetID: UInt16 { version == 9 ? 1 : 3 }

    /// A template set with one template; fields as (type, length), and for IPFIX enterprise fields
    /// the enterprise number by the field's position.
    package mutating func template(_ id: UInt16, _ fields: [(UInt16, UInt16)], enterprise: [Int: UInt32] = [:]) {
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
        addSet(templateSetID, body, records: 1)
    }

    /// A withdrawal of template `id` (field count 0).
    package mutating func withdraw(_ id: UInt16, options: Bool = false) {
        var body: [UInt8] = []
        body.put16(id)
        body.put16(0)
        addSet(options ? optionsSetID : templateSetID, body, records: 1)
    }

    /// An options template set with one template.
    package mutating func optionsTemplate(_ id: UInt16, scope: [(UInt16, UInt16)], options: [(UInt16, UInt16)]) {
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
        addSet(optionsSetID, body, records: 1, pad: true)
    }

    /// A data set of records encoded for template `id`, padded to a multiple of `padTo` bytes.
    package mutating func data(_ id: UInt16, _ records: [[UInt8]], padTo: Int = 4) {
        addSet(id, records.flatMap { $0 }, records: records.count, pad: true, padTo: padTo)
    }

    /// A set with any id and body, as given.
    package mutating func rawSet(_ id: UInt16, _ body: [UInt8]) {
        addSet(id, body, records: 0)
    }

    private mutating func addSet(_ id: UInt16, _ body: [UInt8], records: Int, pad: Bool = false, padTo: Int = 4) {
        var set: [UInt8] = []
        set.put16(id)
        var padded = body
        if pad {
            while (padded.count + 4) % padTo != 0 { padded.append(0) }
        }
        set.put16(UInt16(padded.count + 4))
        sets.append(set + padded)
        recordCount += records
    }

    /// The datagram: header and sets.
    package var bytes: [UInt8] {
        var header: [UInt8] = []
        let body = sets.flatMap { $0 }
        header.put16(version)
        if version == 9 {
            header.put16(UInt16(truncatingIfNeeded: recordCount))
            header.put32(sysUptime)
            header.put32(exportSeconds)
            header.put32(sequence)
            header.put32(domain)
        } else {
            header.put16(UInt16(16 + body.count))
            header.put32(exportSeconds)
            header.put32(sequence)
            header.put32(domain)
        }
        return header + body
    }
}
