import SNMP

/// The rows of one walked subtree (usually a table column), by index.
struct WalkedColumn: Sendable, Hashable {
    /// One instance: its index below the walked OID and its value.
    struct Row: Sendable, Hashable {
        var index: [UInt32]
        var value: SNMPValue
    }

    /// The rows in walk order.
    var rows: [Row] = []
    /// The values by index.
    var values: [[UInt32]: SNMPValue] = [:]
    /// True when the walk stopped at the row limit.
    var truncated = false

    mutating func append(_ row: Row) {
        rows.append(row)
        values[row.index] = row.value
    }
}

/// The result of walking several subtrees together.
struct ColumnWalk: Sendable {
    /// Each subtree's rows, by walked OID.
    var columns: [OID: WalkedColumn]
    /// Requests sent.
    var requests: Int
}

extension SNMPClient {
    /// Walks several subtrees (table columns) side by side: each GETBULK (GETNEXT for SNMPv1 or
    /// a target whose ``SNMPTarget/walkMethod`` is GETNEXT)
    /// asks for the next rows of every column that is not finished yet, so a table of N rows and
    /// C columns takes about N·C / `varBindBudget` requests instead of C separate walks.
    ///
    /// - Parameters:
    ///   - roots: The subtrees; duplicates are walked once.
    ///   - maxRows: The most rows kept per column; a longer column is cut (``WalkedColumn/truncated``).
    ///   - expectedRows: The rows the longest column had last time, so that one request can fetch
    ///     everything; nil uses the target's `maxRepetitions`.
    ///   - varBindBudget: The most values asked for in one request (repetitions × columns).
    /// - Throws: `SNMPError` from the requests, or with code `walkLoop` when the agent answers an
    ///   OID that is not greater than the previous one of the same column.
    func walkColumns(
        _ roots: [OID],
        on target: SNMPTarget,
        maxRows: Int,
        expectedRows: Int? = nil,
        varBindBudget: Int = 100
    ) async throws -> ColumnWalk {
        var unique: [OID] = []
        for root in roots where !unique.contains(root) { unique.append(root) }
        var columns = Array(repeating: WalkedColumn(), count: unique.count)
        var positions = unique
        var active = Array(unique.indices)
        var requests = 0
        let bulk = target.walksWithGetBulk
        var repetitions = max(1, min(expectedRows.map { $0 + 1 } ?? target.maxRepetitions, max(1, target.maxRepetitions * 4)))

        while !active.isEmpty {
            let asked = active
            let oids = asked.map { positions[$0] }
            let answer: [VarBind]
            if bulk {
                let perColumn = max(1, min(repetitions, varBindBudget / asked.count))
                do {
                    requests += 1
                    answer = try await getBulk(oids, maxRepetitions: perColumn, from: target)
                } catch let error as SNMPError where error.code == .errorStatus && error.errorStatus == .tooBig && perColumn > 1 {
                    repetitions = max(1, perColumn / 2)
                    continue
                }
            } else {
                requests += 1
                answer = try await getNext(oids, from: target)
            }

            var progressed = false
            var finished: Set<Int> = []
            for (position, varBind) in answer.enumerated() {
                let column = asked[position % asked.count]
                guard !finished.contains(column) else { continue }
                let root = unique[column]
                guard varBind.value != .endOfMibView, let index = varBind.oid.index(after: root) else {
                    finished.insert(column)
                    progressed = true
                    continue
                }
                guard positions[column] < varBind.oid else {
                    throw SNMPError(
                        code: .walkLoop,
                        message: "walk of \(root) received \(varBind.oid) after \(positions[column]), which is not increasing; the agent's MIB implementation loops",
                        host: target.endpointDescription, oid: varBind.oid)
                }
                guard columns[column].rows.count < maxRows else {
                    columns[column].truncated = true
                    finished.insert(column)
                    progressed = true
                    continue
                }
                columns[column].append(.init(index: index, value: varBind.value))
                positions[column] = varBind.oid
                progressed = true
            }
            guard progressed else {
                throw SNMPError(
                    code: .malformedMessage,
                    message: "the agent answered a walk request for \(oids.count) OIDs with no usable value",
                    host: target.endpointDescription, oid: oids.first)
            }
            active = asked.filter { !finished.contains($0) }
        }
        var result: [OID: WalkedColumn] = [:]
        for (offset, root) in unique.enumerated() { result[root] = columns[offset] }
        return ColumnWalk(columns: result, requests: requests)
    }
}
