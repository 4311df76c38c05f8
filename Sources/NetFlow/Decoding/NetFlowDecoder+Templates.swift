extension NetFlowDecoder {
    /// v9 template (set 0) and options template (set 1) records.
    mutating func parseV9Templates(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        options: Bool,
        context: MessageContext,
        result: inout DecodeResult
    ) {
        var offset = start
        let headerLength = options ? 6 : 4
        while end - offset >= headerLength {
            if Self.isPadding(bytes, from: offset, to: end) { return }
            let templateID = bytes.readUInt16(offset)
            let scopeCount: Int
            let fieldCount: Int
            if options {
                let scopeLength = Int(bytes.readUInt16(offset + 2))
                let optionLength = Int(bytes.readUInt16(offset + 4))
                guard scopeLength % 4 == 0, optionLength % 4 == 0 else {
                    fail(&result, .badTemplate, context.exporter, offset + 2, "v9 options template lengths are not multiples of 4")
                    return
                }
                scopeCount = scopeLength / 4
                fieldCount = scopeCount + optionLength / 4
            } else {
                scopeCount = 0
                fieldCount = Int(bytes.readUInt16(offset + 2))
            }
            let fieldsStart = offset + headerLength
            guard fieldCount * 4 <= end - fieldsStart else {
                fail(&result, .badTemplate, context.exporter, offset, "template field list runs past its set")
                return
            }
            let next = fieldsStart + fieldCount * 4
            defer { offset = next }
            if fieldCount == 0 {
                // Not in RFC 3954, but some exporters withdraw v9 templates like IPFIX does.
                withdraw(TemplateKey(exporter: context.exporter, domain: context.domain, templateID: templateID))
                continue
            }
            guard templateID >= 256 else {
                fail(&result, .badTemplate, context.exporter, offset, "template ID below 256")
                continue
            }
            guard fieldCount <= configuration.fieldsPerTemplateLimit else {
                fail(&result, .badTemplate, context.exporter, offset, "template has more fields than the limit")
                continue
            }
            let key = TemplateKey(exporter: context.exporter, domain: context.domain, templateID: templateID)
            // Exporters repeat their templates, some in every datagram: compare in place first.
            if let known = templates[key]?.definition, known.version == 9, known.isOptions == options, known.scopeFieldCount == scopeCount,
                known.fields.count == fieldCount,
                known.fields.indices.allSatisfy({ index in
                    known.fields[index] == TemplateField(type: bytes.readUInt16(fieldsStart + index * 4), length: bytes.readUInt16(fieldsStart + index * 4 + 2))
                })
            {
                continue
            }
            var fields: [TemplateField] = []
            fields.reserveCapacity(fieldCount)
            var valid = true
            for index in 0..<fieldCount {
                let field = TemplateField(type: bytes.readUInt16(fieldsStart + index * 4), length: bytes.readUInt16(fieldsStart + index * 4 + 2))
                // v9 scope fields may be empty (a "System" scope); data fields may not.
                if field.length == 0 && index >= scopeCount { valid = false }
                fields.append(field)
            }
            guard valid else {
                fail(&result, .badTemplate, context.exporter, offset, "zero-length template field")
                continue
            }
            install(
                TemplateDefinition(version: 9, fields: fields, scopeFieldCount: scopeCount, isOptions: options),
                key: key,
                offset: offset,
                result: &result
            )
        }
    }

    /// IPFIX template (set 2) and options template (set 3) records, with withdrawals.
    mutating func parseIPFIXTemplates(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        setID: UInt16,
        context: MessageContext,
        result: inout DecodeResult
    ) {
        let options = setID == 3
        var offset = start
        while end - offset >= 4 {
            if Self.isPadding(bytes, from: offset, to: end) { return }
            let templateID = bytes.readUInt16(offset)
            let fieldCount = Int(bytes.readUInt16(offset + 2))
            if fieldCount == 0 {
                if templateID == setID {
                    withdrawAll(exporter: context.exporter, domain: context.domain, options: options)
                } else if templateID >= 256 {
                    withdraw(TemplateKey(exporter: context.exporter, domain: context.domain, templateID: templateID))
                } else {
                    fail(&result, .badTemplate, context.exporter, offset, "withdrawal of a template ID below 256")
                }
                offset += 4
                continue
            }
            var cursor = offset + 4
            var scopeCount = 0
            if options {
                guard end - cursor >= 2 else {
                    fail(&result, .badTemplate, context.exporter, offset, "options template header runs past its set")
                    return
                }
                scopeCount = Int(bytes.readUInt16(cursor))
                cursor += 2
            }
            var fields: [TemplateField] = []
            fields.reserveCapacity(min(fieldCount, 64))
            var problem: StaticString?
            for _ in 0..<fieldCount {
                guard end - cursor >= 4 else {
                    fail(&result, .badTemplate, context.exporter, offset, "template field list runs past its set")
                    return
                }
                let rawType = bytes.readUInt16(cursor)
                let length = bytes.readUInt16(cursor + 2)
                cursor += 4
                var enterprise: UInt32 = 0
                if rawType & 0x8000 != 0 {
                    guard end - cursor >= 4 else {
                        fail(&result, .badTemplate, context.exporter, offset, "enterprise number runs past its set")
                        return
                    }
                    enterprise = bytes.readUInt32(cursor)
                    cursor += 4
                }
                if length == 0 { problem = "zero-length template field" }
                if fields.count < configuration.fieldsPerTemplateLimit {
                    fields.append(TemplateField(type: rawType & 0x7FFF, length: length, enterprise: enterprise))
                }
            }
            defer { offset = cursor }
            if options && (scopeCount == 0 || scopeCount > fieldCount) {
                problem = "options template scope count is 0 or above its field count"
            }
            if templateID < 256 { problem = "template ID below 256" }
            if fieldCount > configuration.fieldsPerTemplateLimit { problem = "template has more fields than the limit" }
            if let problem {
                fail(&result, .badTemplate, context.exporter, offset, problem)
                continue
            }
            install(
                TemplateDefinition(version: 10, fields: fields, scopeFieldCount: scopeCount, isOptions: options),
                key: TemplateKey(exporter: context.exporter, domain: context.domain, templateID: templateID),
                offset: offset,
                result: &result
            )
        }
    }

    private mutating func install(_ definition: TemplateDefinition, key: TemplateKey, offset: Int, result: inout DecodeResult) {
        if templates[key] == nil && templates.count >= configuration.templateLimit {
            fail(&result, .templateLimit, key.exporter, offset, "too many templates")
            return
        }
        // Exporters repeat their templates (nfreplay in every datagram): nothing to recompile.
        if templates[key]?.definition == definition { return }
        // A record longer than any set can hold could never be decoded.
        let compiled = CompiledTemplate(definition)
        guard compiled.minimumLength <= 0xFFFF - 4 else {
            fail(&result, .badTemplate, key.exporter, offset, "template record longer than a set can hold")
            return
        }
        templates[key] = compiled
    }

    mutating func withdraw(_ key: TemplateKey) {
        templates[key] = nil
    }

    mutating func withdrawAll(exporter: FlowAddress, domain: UInt32, options: Bool) {
        templates = templates.filter { key, template in
            !(key.exporter == exporter && key.domain == domain && template.definition.isOptions == options)
        }
    }

    /// Zero bytes up to the end of the set: padding (IPFIX pads with zeros; v9 usually does).
    static func isPadding(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        guard bytes.readUInt16(start) == 0 else { return false }
        for index in start..<end where bytes[index] != 0 { return false }
        return true
    }
}
