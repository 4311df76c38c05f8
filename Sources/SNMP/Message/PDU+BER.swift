extension PDU {
    func encode(into writer: inout BERWriter) throws(SNMPError) {
        try writer.writeConstructed(tag: type.rawValue) { (pdu) throws(SNMPError) in
            pdu.writeInteger(Int64(requestID))
            pdu.writeInteger(errorStatus)
            pdu.writeInteger(errorIndex)
            try pdu.writeSequence { (list) throws(SNMPError) in
                for varBind in varBinds {
                    try list.writeSequence { (entry) throws(SNMPError) in
                        entry.writeObjectIdentifier(varBind.oid)
                        varBind.value.encode(into: &entry)
                    }
                }
            }
        }
    }

    static func decode(from reader: inout BERReader) throws(SNMPError) -> PDU {
        let start = reader.position
        let (tag, contents) = try reader.readElement()
        guard let type = PDUType(rawValue: tag) else {
            throw .malformed("unexpected PDU tag 0x\(hex(tag)) at offset \(start)")
        }
        var body = try reader.child(contents)
        let requestID = try body.readInteger("request-id")
        guard let requestID32 = Int32(exactly: requestID) else {
            throw .malformed("request-id \(requestID) is out of range")
        }
        let errorStatus = try body.readInteger("error-status")
        let errorIndex = try body.readInteger("error-index")
        var list = try body.readConstructed(tag: BERTag.sequence, "variable-bindings SEQUENCE")
        var varBinds: [VarBind] = []
        while !list.isAtEnd {
            guard varBinds.count < maximumVarBinds else {
                throw .malformed("more than \(maximumVarBinds) variable bindings")
            }
            var entry = try list.readConstructed(tag: BERTag.sequence, "variable binding SEQUENCE")
            let oid = try entry.readObjectIdentifier("variable binding name")
            let value = try SNMPValue.decode(from: &entry, oid: oid)
            varBinds.append(VarBind(oid: oid, value: value))
        }
        return PDU(type: type, requestID: requestID32, errorStatus: errorStatus, errorIndex: errorIndex, varBinds: varBinds)
    }
}

extension SNMPValue {
    func encode(into writer: inout BERWriter) {
        switch self {
        case .integer(let value): writer.writeInteger(value)
        case .octetString(let bytes): writer.writeOctetString(bytes)
        case .null: writer.writeNull()
        case .objectIdentifier(let oid): writer.writeObjectIdentifier(oid)
        case .ipAddress(let bytes): writer.writeOctetString(bytes, tag: BERTag.ipAddress)
        case .counter32(let value): writer.writeUnsigned(UInt64(value), tag: BERTag.counter32)
        case .gauge32(let value): writer.writeUnsigned(UInt64(value), tag: BERTag.gauge32)
        case .timeTicks(let value): writer.writeUnsigned(UInt64(value), tag: BERTag.timeTicks)
        case .opaque(let bytes): writer.writeOctetString(bytes, tag: BERTag.opaque)
        case .counter64(let value): writer.writeUnsigned(value, tag: BERTag.counter64)
        case .noSuchObject: writer.writeNull(tag: BERTag.noSuchObject)
        case .noSuchInstance: writer.writeNull(tag: BERTag.noSuchInstance)
        case .endOfMibView: writer.writeNull(tag: BERTag.endOfMibView)
        case .unknown(let tag, let contents): writer.write(tag: tag, contents: contents)
        }
    }

    static func decode(from reader: inout BERReader, oid: OID) throws(SNMPError) -> SNMPValue {
        let (tag, range) = try reader.readElement()
        let contents = reader.bytes[range]
        func what() -> String { "value of \(oid)" }
        switch tag {
        case BERTag.integer:
            return .integer(try BERReader.signedInteger(contents, what()))
        case BERTag.octetString:
            return .octetString(Array(contents))
        case BERTag.null:
            return .null
        case BERTag.objectIdentifier:
            return .objectIdentifier(try BERReader.objectIdentifier(contents))
        case BERTag.ipAddress:
            guard contents.count == 4 else {
                throw .malformed("IpAddress \(what()) has \(contents.count) octets instead of 4")
            }
            return .ipAddress(Array(contents))
        case BERTag.counter32:
            return .counter32(UInt32(truncatingIfNeeded: try BERReader.unsignedInteger(contents, bits: 32, what())))
        case BERTag.gauge32:
            return .gauge32(UInt32(truncatingIfNeeded: try BERReader.unsignedInteger(contents, bits: 32, what())))
        case BERTag.timeTicks:
            return .timeTicks(UInt32(truncatingIfNeeded: try BERReader.unsignedInteger(contents, bits: 32, what())))
        case BERTag.opaque:
            return .opaque(Array(contents))
        case BERTag.counter64:
            return .counter64(try BERReader.unsignedInteger(contents, bits: 64, what()))
        case BERTag.noSuchObject:
            return .noSuchObject
        case BERTag.noSuchInstance:
            return .noSuchInstance
        case BERTag.endOfMibView:
            return .endOfMibView
        default:
            return .unknown(tag: tag, contents: Array(contents))
        }
    }
}
