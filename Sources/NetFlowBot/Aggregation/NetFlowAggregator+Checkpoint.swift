#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NetFlowAggregator {
    /// A checkpoint in two parts, written as two files: the longer windows' tiles are large
    /// (a day of keys) but change about once a minute, the rest with every flow.
    public struct Checkpoint: Sendable {
        /// Everything but the longer windows' tiles; names the version of those it goes with.
        public var base: [UInt8]
        /// The longer windows' tiles (`15min` … `24h`, folded from minute tiles), or `nil` when
        /// they have not changed since the version given to ``NetFlowAggregator/checkpoint(derivedSavedAt:)``.
        public var derived: [UInt8]?
        /// The version of the longer windows' tiles this checkpoint holds.
        public var derivedVersion: UInt64
    }

    struct SplitBase: Codable {
        var aggregator: NetFlowAggregator
        var derivedVersion: UInt64
    }

    struct DerivedTiles: Codable {
        var version: UInt64
        var tiles: [TileKey: [Int: [Int: EntityTile]]]
    }

    /// The open tiles and counters as bytes (JSON, summaries packed), for a checkpoint file.
    public func checkpoint() throws -> [UInt8] {
        Array(try JSONEncoder().encode(self))
    }

    /// The checkpoint in two parts; the longer windows' tiles only if their version is not
    /// `derivedSavedAt` (what was last saved).
    public func checkpoint(derivedSavedAt saved: UInt64?) throws -> Checkpoint {
        var base = self
        base.tiles = tiles.filter { !isDerived(seconds: $0.key.seconds) }
        let derived = saved == derivedVersion ? nil : DerivedTiles(version: derivedVersion, tiles: tiles.filter { isDerived(seconds: $0.key.seconds) })
        return Checkpoint(
            base: Array(try JSONEncoder().encode(SplitBase(aggregator: base, derivedVersion: derivedVersion))),
            derived: try derived.map { Array(try JSONEncoder().encode($0)) },
            derivedVersion: derivedVersion)
    }

    /// An aggregator restored from ``checkpoint()`` bytes.
    public init(checkpoint bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(NetFlowAggregator.self, from: Data(bytes))
    }

    /// An aggregator restored from the two parts of ``checkpoint(derivedSavedAt:)``; throws when
    /// they are not of the same moment (the bot stopped between writing them).
    public init(checkpoint base: [UInt8], derived: [UInt8]?) throws {
        let split = try JSONDecoder().decode(SplitBase.self, from: Data(base))
        let tiles = try derived.map { try JSONDecoder().decode(DerivedTiles.self, from: Data($0)) }
        guard let tiles, tiles.version == split.derivedVersion else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "the longer windows' tiles (version \(tiles.map { "\($0.version)" } ?? "missing")) do not go with the rest of the checkpoint (version \(split.derivedVersion))"))
        }
        self = split.aggregator
        derivedVersion = split.derivedVersion
        self.tiles.merge(tiles.tiles.filter { isDerived(seconds: $0.key.seconds) }) { current, _ in current }
    }
}
