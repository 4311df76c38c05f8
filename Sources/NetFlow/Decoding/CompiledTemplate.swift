/// A template ready for decoding: field offsets computed once, not per record.
struct CompiledTemplate: Sendable {
    let definition: TemplateDefinition
    /// Record length, or -1 when the template has variable-length fields.
    let fixedLength: Int
    /// The smallest a record can be (a variable-length field takes at least its length byte).
    let minimumLength: Int
    /// Offsets of the fields we read, valid when ``fixedLength`` ≥ 0.
    let layout: RecordLayout

    init(_ definition: TemplateDefinition) {
        self.definition = definition
        var offset = 0
        var minimum = 0
        var variable = false
        var layout = RecordLayout()
        for (index, field) in definition.fields.enumerated() {
            if field.isVariableLength && definition.version == 10 {
                variable = true
                minimum += 1
                continue
            }
            if !variable && !(definition.version == 9 && index < definition.scopeFieldCount) {
                layout.assign(field, offset: offset, length: Int(field.length))
            }
            offset += Int(field.length)
            minimum += Int(field.length)
        }
        layout.resolveFallbacks()
        fixedLength = variable ? -1 : offset
        minimumLength = minimum
        self.layout = layout
    }

    /// The layout of one variable-length record starting at `start`, and its length; `nil` if it
    /// runs past `end`.
    func layoutOfRecord(in bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (RecordLayout, Int)? {
        var layout = RecordLayout()
        var offset = start
        for field in definition.fields {
            var length = Int(field.length)
            if field.isVariableLength {
                guard offset < end else { return nil }
                length = Int(bytes[offset])
                offset += 1
                if length == 255 {
                    guard offset + 2 <= end else { return nil }
                    length = Int(bytes.readUInt16(offset))
                    offset += 2
                }
            }
            guard length <= end - offset else { return nil }
            layout.assign(field, offset: offset - start, length: length)
            offset += length
        }
        layout.resolveFallbacks()
        return (layout, offset - start)
    }
}
