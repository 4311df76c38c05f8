extension NetFlowDecoder {
    mutating func decodeV9(
        _ bytes: UnsafeRawBufferPointer,
        exporter: FlowAddress,
        now: UInt64,
        result: inout DecodeResult,
        into flows: inout [FlowRecord]
    ) {
        guard bytes.count >= 20 else {
            fail(&result, .truncatedHeader, exporter, 0, "v9 header is 20 bytes")
            return
        }
        // The header's count is not checked: many exporters fill it wrongly (RFC 3954 allows
        // collectors to ignore it), and set lengths already delimit everything.
        let context = MessageContext(
            exporter: exporter,
            domain: bytes.readUInt32(16),
            version: 9,
            sysUptime: bytes.readUInt32(4),
            exportSeconds: bytes.readUInt32(8)
        )
        decodeSets(bytes, from: 20, to: bytes.count, context: context, now: now, result: &result, into: &flows)
    }

    mutating func decodeIPFIX(
        _ bytes: UnsafeRawBufferPointer,
        exporter: FlowAddress,
        now: UInt64,
        result: inout DecodeResult,
        into flows: inout [FlowRecord]
    ) {
        guard bytes.count >= 16 else {
            fail(&result, .truncatedHeader, exporter, 0, "IPFIX header is 16 bytes")
            return
        }
        let length = Int(bytes.readUInt16(2))
        var end = bytes.count
        if length < 16 || length > bytes.count {
            // Decode what the datagram holds: sets are self-delimiting.
            fail(&result, .badMessageLength, exporter, 2, "IPFIX length does not match the datagram")
        } else {
            end = length
        }
        let context = MessageContext(
            exporter: exporter,
            domain: bytes.readUInt32(12),
            version: 10,
            sysUptime: 0,
            exportSeconds: bytes.readUInt32(4)
        )
        decodeSets(bytes, from: 16, to: end, context: context, now: now, result: &result, into: &flows)
    }

    private mutating func decodeSets(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        context: MessageContext,
        now: UInt64,
        result: inout DecodeResult,
        into flows: inout [FlowRecord]
    ) {
        let templateSetID: UInt16 = context.version == 9 ? 0 : 2
        let optionsSetID: UInt16 = context.version == 9 ? 1 : 3
        var offset = start
        // Fewer than 4 trailing bytes are padding.
        while end - offset >= 4 {
            let setID = bytes.readUInt16(offset)
            let setLength = Int(bytes.readUInt16(offset + 2))
            guard setLength >= 4, setLength <= end - offset else {
                fail(&result, .badSetLength, context.exporter, offset + 2, "set length below 4 or past the message end")
                return
            }
            let setEnd = offset + setLength
            if setID == templateSetID || setID == optionsSetID {
                if context.version == 9 {
                    parseV9Templates(bytes, from: offset + 4, to: setEnd, options: setID == optionsSetID, context: context, result: &result)
                } else {
                    parseIPFIXTemplates(bytes, from: offset + 4, to: setEnd, setID: setID, context: context, result: &result)
                }
                decodeReadyPending(result: &result, into: &flows)
            } else if setID >= 256 {
                let key = TemplateKey(exporter: context.exporter, domain: context.domain, templateID: setID)
                if let template = templates[key] {
                    decodeRecords(bytes, from: offset + 4, to: setEnd, template: template, context: context, result: &result, into: &flows)
                } else {
                    enqueue(
                        PendingSet(key: key, context: context, bytes: Array(bytes[(offset + 4)..<setEnd]), receivedAt: now)
                    )
                    result.queuedSetCount &+= 1
                }
            }
            // Set IDs 2…255 (v9) and 4…255 (IPFIX) are reserved: skipped.
            offset = setEnd
        }
    }

    /// Decodes the records of one data set (`start..<end` excludes the set header).
    mutating func decodeRecords(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        template: CompiledTemplate,
        context: MessageContext,
        result: inout DecodeResult,
        into flows: inout [FlowRecord]
    ) {
        let domainKey = DomainKey(exporter: context.exporter, domain: context.domain)
        if template.definition.isOptions {
            applyOptions(bytes, from: start, to: end, template: template, key: domainKey, result: &result)
            return
        }
        let rate = exporterSampling[domainKey] ?? 1
        let initTime = systemInit[domainKey]
        if template.fixedLength > 0 {
            // Whole records only: the padding at the end never becomes a record.
            let size = template.fixedLength
            let count = (end - start) / size
            var base = start
            for _ in 0..<count {
                flows.append(record(bytes, base: base, layout: template.layout, context: context, rate: rate, initTime: initTime))
                base &+= size
            }
            result.flowCount &+= count
        } else if template.fixedLength < 0 {
            var base = start
            let minimum = max(template.minimumLength, 1)
            while end - base >= minimum {
                guard let (layout, length) = template.layoutOfRecord(in: bytes, at: base, end: end) else {
                    fail(&result, .truncatedRecord, context.exporter, base, "variable-length record runs past its set")
                    return
                }
                flows.append(record(bytes, base: base, layout: layout, context: context, rate: rate, initTime: initTime))
                result.flowCount &+= 1
                base &+= max(length, 1)
            }
        }
    }

    @inline(__always)
    private func record(
        _ bytes: UnsafeRawBufferPointer,
        base: Int,
        layout: RecordLayout,
        context: MessageContext,
        rate exporterRate: UInt32,
        initTime: UInt64?
    ) -> FlowRecord {
        var rate = exporterRate
        if layout.carriesSampling, let own = Self.samplingRate(bytes, base: base, layout: layout) {
            rate = own
        } else if layout.samplerID.isPresent {
            let sampler = bytes.read(layout.samplerID, base: base)
            if let known = samplerSampling[SamplerKey(exporter: context.exporter, domain: context.domain, sampler: sampler)] {
                rate = known
            }
        }
        var start: UInt64?
        var end: UInt64?
        if layout.startMilliseconds.isPresent {
            start = bytes.read(layout.startMilliseconds, base: base)
        } else if layout.startSeconds.isPresent {
            start = bytes.read(layout.startSeconds, base: base) &* 1000
        } else if layout.firstUptime.isPresent {
            start = time(uptime: bytes.read(layout.firstUptime, base: base), context: context, initTime: initTime)
        }
        if layout.endMilliseconds.isPresent {
            end = bytes.read(layout.endMilliseconds, base: base)
        } else if layout.endSeconds.isPresent {
            end = bytes.read(layout.endSeconds, base: base) &* 1000
        } else if layout.lastUptime.isPresent {
            end = time(uptime: bytes.read(layout.lastUptime, base: base), context: context, initTime: initTime)
        }
        return FlowRecord(
            exporter: context.exporter,
            sourceID: context.domain,
            version: context.version,
            startMilliseconds: start,
            endMilliseconds: end,
            sourceAddress: bytes.readAddress(v4: layout.sourceV4, v6: layout.sourceV6, base: base),
            destinationAddress: bytes.readAddress(v4: layout.destinationV4, v6: layout.destinationV6, base: base),
            sourcePort: UInt16(truncatingIfNeeded: bytes.read(layout.sourcePort, base: base)),
            destinationPort: UInt16(truncatingIfNeeded: bytes.read(layout.destinationPort, base: base)),
            protocolNumber: UInt8(truncatingIfNeeded: bytes.read(layout.protocolNumber, base: base)),
            direction: UInt8(truncatingIfNeeded: bytes.read(layout.direction, base: base)),
            hasDirection: layout.direction.isPresent,
            bytes: bytes.read(layout.bytes, base: base) &* UInt64(rate),
            packets: bytes.read(layout.packets, base: base) &* UInt64(rate),
            inputInterface: UInt32(truncatingIfNeeded: bytes.read(layout.input, base: base)),
            outputInterface: UInt32(truncatingIfNeeded: bytes.read(layout.output, base: base)),
            samplingRate: rate
        )
    }

    /// v9: sysUptime-relative to the header; IPFIX: relative to the exporter's announced
    /// systemInitTimeMilliseconds (none announced: no time).
    @inline(__always)
    private func time(uptime: UInt64, context: MessageContext, initTime: UInt64?) -> UInt64? {
        if context.version == 9 {
            let age = UInt64(context.sysUptime &- UInt32(truncatingIfNeeded: uptime))
            return (UInt64(context.exportSeconds) &* 1000) &- age
        }
        return initTime.map { $0 &+ uptime }
    }

    /// The rate a record announces: 305/306 as (interval + space) / interval rounded, else 34,
    /// else 50; `nil` when none is usable.
    static func samplingRate(_ bytes: UnsafeRawBufferPointer, base: Int, layout: RecordLayout) -> UInt32? {
        var rate: UInt64 = 0
        if layout.packetInterval.isPresent {
            let interval = bytes.read(layout.packetInterval, base: base)
            let space = bytes.read(layout.packetSpace, base: base)
            let (sum, overflow) = interval.addingReportingOverflow(space)
            if interval > 0 && !overflow {
                rate = (sum &+ interval / 2) / interval
            }
        }
        if rate == 0 && layout.samplingInterval.isPresent {
            rate = bytes.read(layout.samplingInterval, base: base)
        }
        if rate == 0 && layout.samplerRandomInterval.isPresent {
            rate = bytes.read(layout.samplerRandomInterval, base: base)
        }
        guard rate > 0 else { return nil }
        return UInt32(min(rate, UInt64(UInt32.max)))
    }

    private mutating func applyOptions(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        template: CompiledTemplate,
        key: DomainKey,
        result: inout DecodeResult
    ) {
        var base = start
        let minimum = max(template.minimumLength, 1)
        while end - base >= minimum {
            let layout: RecordLayout
            let length: Int
            if template.fixedLength > 0 {
                layout = template.layout
                length = template.fixedLength
            } else if let (recordLayout, recordLength) = template.layoutOfRecord(in: bytes, at: base, end: end) {
                layout = recordLayout
                length = max(recordLength, 1)
            } else {
                fail(&result, .truncatedRecord, key.exporter, base, "variable-length options record runs past its set")
                return
            }
            if let rate = Self.samplingRate(bytes, base: base, layout: layout) {
                // A sampler-scoped rate is also the exporter's default for flows without a sampler ID.
                if exporterSampling[key] != nil || exporterSampling.count < configuration.templateLimit {
                    exporterSampling[key] = rate
                }
                if layout.samplerID.isPresent && samplerSampling.count < configuration.templateLimit {
                    let sampler = bytes.read(layout.samplerID, base: base)
                    samplerSampling[SamplerKey(exporter: key.exporter, domain: key.domain, sampler: sampler)] = rate
                }
            }
            if layout.systemInitMilliseconds.isPresent && (systemInit[key] != nil || systemInit.count < configuration.templateLimit) {
                systemInit[key] = bytes.read(layout.systemInitMilliseconds, base: base)
            }
            base &+= length
        }
    }
}
