extension SNMPClient {
    /// Walks the subtree under `root`: GETBULK for SNMPv2c/v3, GETNEXT for SNMPv1 or when the
    /// target's ``SNMPTarget/walkMethod`` says so.
    ///
    /// Stops at the end of the subtree or `endOfMibView`. If the subtree is empty and `root` is
    /// itself an instance (a scalar such as `sysDescr.0`), returns that one value, as net-snmp's
    /// `snmpwalk` does.
    ///
    /// - Throws: ``SNMPError/Code/walkLoop`` if the agent returns an OID not greater than the
    ///   previous one (it would loop forever), ``SNMPError/Code/walkTooLarge`` if the subtree has
    ///   more than `maxRows` instances.
    public func walk(_ root: OID, on target: SNMPTarget, maxRows: Int = 10_000) async throws -> [VarBind] {
        var rows: [VarBind] = []
        var current = root
        var maxRepetitions = max(1, target.maxRepetitions)
        let useBulk = target.walksWithGetBulk

        walking: while true {
            let batch: [VarBind]
            if useBulk {
                let repetitions = min(maxRepetitions, max(1, maxRows + 1 - rows.count))
                do {
                    batch = try await getBulk([current], maxRepetitions: repetitions, from: target)
                } catch let error as SNMPError where error.code == .errorStatus && error.errorStatus == .tooBig && maxRepetitions > 1 {
                    maxRepetitions /= 2
                    continue walking
                }
            } else {
                batch = try await getNext([current], from: target)
            }
            if batch.isEmpty { break }
            for varBind in batch {
                if varBind.value == .endOfMibView || !varBind.oid.isDescendant(of: root) {
                    break walking
                }
                guard current < varBind.oid else {
                    throw SNMPError(
                        code: .walkLoop,
                        message: "walk of \(root) received \(varBind.oid) after \(current), which is not increasing; the agent's MIB implementation loops (net-snmp tools report 'OID not increasing')",
                        host: target.endpointDescription,
                        oid: varBind.oid
                    )
                }
                guard rows.count < maxRows else {
                    throw SNMPError(
                        code: .walkTooLarge,
                        message: "walk of \(root) has more than \(maxRows) rows; raise maxRows or walk a smaller subtree",
                        host: target.endpointDescription,
                        oid: root
                    )
                }
                rows.append(varBind)
                current = varBind.oid
            }
        }

        if rows.isEmpty {
            let value = try await get(root, from: target)
            if !value.isException {
                rows.append(VarBind(oid: root, value: value))
            }
        }
        return rows
    }
}
