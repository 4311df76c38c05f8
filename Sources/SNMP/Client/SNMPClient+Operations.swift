extension SNMPClient {
    /// GET: the values of `oids`, in order.
    ///
    /// Requests with more than ``SNMPTarget/maxVarBindsPerRequest`` OIDs are split, and a
    /// `tooBig` answer splits the request further. Missing objects come back as
    /// `.noSuchObject`/`.noSuchInstance` (SNMPv1's `noSuchName` is mapped to `.noSuchObject`
    /// and the rest re-requested, so one missing OID does not hide the others).
    public func get(_ oids: [OID], from target: SNMPTarget) async throws -> [VarBind] {
        var result: [VarBind] = []
        result.reserveCapacity(oids.count)
        for chunk in Self.chunks(oids, size: target.maxVarBindsPerRequest) {
            result += try await getSplittingTooBig(chunk, from: target)
        }
        return result
    }

    /// GET of a single OID.
    public func get(_ oid: OID, from target: SNMPTarget) async throws -> SNMPValue {
        let varBinds = try await get([oid], from: target)
        guard let first = varBinds.first else {
            throw SNMPError(code: .malformedMessage, message: "the agent answered GET \(oid) without a value", host: target.endpointDescription, oid: oid)
        }
        return first.value
    }

    /// GETNEXT: for each OID, the next object instance in the agent's MIB view
    /// (`.endOfMibView` past the end, also for SNMPv1's `noSuchName`).
    public func getNext(_ oids: [OID], from target: SNMPTarget) async throws -> [VarBind] {
        try await requestTolerantOfV1(.getNext, oids, missing: .endOfMibView, from: target)
    }

    /// GETBULK (SNMPv2c/v3): the next `nonRepeaters` OIDs once, then up to `maxRepetitions`
    /// successors of each remaining OID, interleaved as the agent sends them.
    public func getBulk(
        _ oids: [OID],
        nonRepeaters: Int = 0,
        maxRepetitions: Int,
        from target: SNMPTarget
    ) async throws -> [VarBind] {
        if case .v1 = target.credentials {
            throw SNMPError(
                code: .unsupportedProtocol,
                message: "GETBULK needs SNMPv2c or SNMPv3; this target uses SNMPv1 (use getNext)",
                host: target.endpointDescription
            )
        }
        guard nonRepeaters >= 0, maxRepetitions >= 0 else {
            throw SNMPError(code: .invalidConfiguration, message: "GETBULK non-repeaters and max-repetitions must not be negative", host: target.endpointDescription)
        }
        let response = try await send(
            .getBulk(requestID: 0, oids: oids, nonRepeaters: nonRepeaters, maxRepetitions: maxRepetitions),
            to: target
        )
        try Self.checkErrorStatus(response, requested: oids, type: .getBulk, target: target)
        return response.varBinds
    }

    private func getSplittingTooBig(_ oids: [OID], from target: SNMPTarget) async throws -> [VarBind] {
        do {
            return try await requestTolerantOfV1(.get, oids, missing: .noSuchObject, from: target)
        } catch let error as SNMPError where error.code == .errorStatus && error.errorStatus == .tooBig && oids.count > 1 {
            let half = oids.count / 2
            logger.debug("SNMP GET tooBig, splitting", metadata: ["snmp.host": "\(target.endpointDescription)", "snmp.oids": "\(oids.count)"])
            let first = try await getSplittingTooBig(Array(oids[..<half]), from: target)
            let second = try await getSplittingTooBig(Array(oids[half...]), from: target)
            return first + second
        }
    }

    /// GET/GETNEXT that turns SNMPv1 `noSuchName` at index i into `missing` for that OID and
    /// asks again for the others.
    private func requestTolerantOfV1(_ type: PDUType, _ oids: [OID], missing: SNMPValue, from target: SNMPTarget) async throws -> [VarBind] {
        guard !oids.isEmpty else { return [] }
        var results: [VarBind?] = Array(repeating: nil, count: oids.count)
        var pendingIndexes = Array(oids.indices)
        let isV1 = if case .v1 = target.credentials { true } else { false }
        while !pendingIndexes.isEmpty {
            let requested = pendingIndexes.map { oids[$0] }
            let response = try await send(.request(type, requestID: 0, oids: requested), to: target)
            if isV1, response.errorStatus == SNMPErrorStatus.noSuchName.rawValue,
                response.errorIndex >= 1, response.errorIndex <= Int64(requested.count)
            {
                let position = Int(response.errorIndex) - 1
                let index = pendingIndexes.remove(at: position)
                results[index] = VarBind(oid: oids[index], value: missing)
                continue
            }
            try Self.checkErrorStatus(response, requested: requested, type: type, target: target)
            guard response.varBinds.count == requested.count else {
                throw SNMPError(
                    code: .malformedMessage,
                    message: "the agent answered \(type) of \(requested.count) OIDs with \(response.varBinds.count) values",
                    host: target.endpointDescription,
                    oid: requested.first
                )
            }
            for (position, varBind) in response.varBinds.enumerated() {
                results[pendingIndexes[position]] = varBind
            }
            pendingIndexes = []
        }
        return results.enumerated().map { index, varBind in varBind ?? VarBind(oid: oids[index], value: missing) }
    }

    /// Throws for a non-zero error-status, naming the OID the error-index points at.
    static func checkErrorStatus(_ response: PDU, requested: [OID], type: PDUType, target: SNMPTarget) throws {
        guard response.errorStatus != 0 else { return }
        let status = SNMPErrorStatus(rawValue: response.errorStatus)
        let index = Int(clamping: response.errorIndex)
        let oid: OID? =
            if index >= 1, index <= requested.count { requested[index - 1] } else { requested.count == 1 ? requested.first : nil }
        let advice: String =
            switch status {
            case .tooBig: "the answer does not fit in one message; request fewer OIDs (maxVarBindsPerRequest) or lower maxRepetitions"
            case .noSuchName: "the OID does not exist on this agent (SNMPv1) or is not in the community's view"
            case .noAccess: "the community/user is not allowed to read this OID; check the agent's access configuration (view)"
            case .genErr: "the agent failed internally while reading this OID"
            default: "see RFC 3416 for the meaning of this error-status"
            }
        throw SNMPError(
            code: .errorStatus,
            message: "\(type) failed with \(status) at error-index \(response.errorIndex)\(oid.map { " (\($0))" } ?? ""): \(advice)",
            host: target.endpointDescription,
            oid: oid,
            errorStatus: status
        )
    }

    static func chunks(_ oids: [OID], size: Int) -> [[OID]] {
        let size = max(1, size)
        return stride(from: 0, to: oids.count, by: size).map { Array(oids[$0..<min($0 + size, oids.count)]) }
    }
}
