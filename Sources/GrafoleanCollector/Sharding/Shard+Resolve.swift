extension Shard {
    /// The shard from the command line or environment: `index` and `count` as given (option or
    /// variable, `nil` when unset), `hostName` for the ordinal when only the count is set (a
    /// Kubernetes StatefulSet pod `grafolean-ping-bot-2` is shard 2). `nil` when sharding is off.
    ///
    /// Throws a ``ShardError`` that names the variable for anything unusable.
    public static func resolve(index: String?, count: String?, hostName: String) throws -> Shard? {
        guard let count else {
            if let index {
                throw ShardError(code: .indexWithoutCount, message: "SHARD_INDEX (--shard-index) is '\(index)' but SHARD_COUNT (--shard-count) is not set: set both, or only SHARD_COUNT in a StatefulSet")
            }
            return nil
        }
        guard let replicas = Int(count), replicas >= 1 else {
            throw ShardError(code: .invalidCount, message: "SHARD_COUNT (--shard-count) must be a whole number of at least 1, not '\(count)'")
        }
        let position: Int
        if let index {
            guard let number = Int(index), (0..<replicas).contains(number) else {
                throw ShardError(
                    code: .invalidIndex,
                    message: "SHARD_INDEX (--shard-index) must be a whole number from 0 to \(replicas - 1) (SHARD_COUNT is \(replicas)), not '\(index)'")
            }
            position = number
        } else {
            guard let ordinal = ordinal(in: hostName) else {
                throw ShardError(
                    code: .noOrdinalInHostName,
                    message: "SHARD_COUNT is \(replicas) but SHARD_INDEX is not set and the host name '\(hostName)' does not end in -<number> (as a StatefulSet pod's does): set SHARD_INDEX")
            }
            guard ordinal < replicas else {
                throw ShardError(
                    code: .invalidIndex,
                    message: "the host name '\(hostName)' gives shard index \(ordinal), but SHARD_COUNT is \(replicas): raise SHARD_COUNT to the number of replicas")
            }
            position = ordinal
        }
        return try Shard(index: position, count: replicas)
    }

    /// The number after the last `-` of a host name (`grafolean-ping-bot-2` → 2); only the first
    /// label counts (a pod's FQDN `bot-2.bots.ns.svc` → 2).
    static func ordinal(in hostName: String) -> Int? {
        let label = hostName.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard let dash = label.lastIndex(of: "-") else { return nil }
        let digits = label[label.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }
}
