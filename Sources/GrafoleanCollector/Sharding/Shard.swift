/// One replica's share of the devices when a bot runs as several replicas.
///
/// Rendezvous (highest-random-weight) hashing: every replica scores each entity with a stable hash
/// of (entity id, replica index), and the entity belongs to the replica with the highest score.
/// Every replica computes the same owner on its own, so no coordination is needed; a device
/// belongs to exactly one replica; and going from n to n + 1 replicas moves only the devices that
/// the new replica now wins (about 1/(n + 1) of them), never the rest.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// This replica's index, from 0 to ``count`` − 1.
    public let index: Int
    /// The number of replicas.
    public let count: Int

    /// Creates a shard; throws a ``ShardError`` unless 0 ≤ `index` < `count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else {
            throw ShardError(code: .invalidCount, message: "the shard count must be at least 1, not \(count)")
        }
        guard (0..<count).contains(index) else {
            throw ShardError(code: .invalidIndex, message: "the shard index must be between 0 and \(count - 1) (the shard count is \(count)), not \(index)")
        }
        self.index = index
        self.count = count
    }

    /// The replica (from 0 to `count` − 1) that owns `key` among `count` replicas.
    public static func owner(of key: String, count: Int) -> Int {
        let keyHash = StableHash.fnv1a(key)
        var best = 0
        var bestWeight: UInt64 = 0
        for replica in 0..<max(count, 1) {
            let weight = weight(keyHash: keyHash, replica: replica)
            // Ties (vanishingly rare) go to the lower index, the same on every replica.
            if replica == 0 || weight > bestWeight {
                best = replica
                bestWeight = weight
            }
        }
        return best
    }

    /// Whether this replica owns `key`.
    public func owns(_ key: String) -> Bool {
        Self.owner(of: key, count: count) == index
    }

    /// The key a job is assigned by: its entity id (so that a device's jobs stay together), else its id.
    public static func key(of job: CollectorJob) -> String {
        job.entityID.map { "\($0)" } ?? job.id
    }

    /// `2 of 4` style: the index and the count.
    public var description: String { "shard \(index) of \(count)" }

    /// The replica's score for a key: SplitMix64's finalizer over the key's FNV-1a hash mixed
    /// with the replica index (FNV-1a alone mixes its last bytes poorly).
    static func weight(keyHash: UInt64, replica: Int) -> UInt64 {
        splitMix64(keyHash ^ splitMix64(UInt64(replica) &+ 0x9E37_79B9_7F4A_7C15))
    }

    static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JobFilter {
    /// Keeps the jobs whose entity (or, without one, whose id) belongs to `shard`.
    public static func shard(_ shard: Shard) -> JobFilter {
        JobFilter(currentShard: { shard }) { jobs, _ in jobs.filter { shard.owns(Shard.key(of: $0)) } }
    }
}
