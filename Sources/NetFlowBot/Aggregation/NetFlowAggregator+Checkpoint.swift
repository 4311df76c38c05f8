#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NetFlowAggregator {
    /// The open tiles and counters as bytes (JSON), for a checkpoint file.
    public func checkpoint() throws -> [UInt8] {
        Array(try JSONEncoder().encode(self))
    }

    /// An aggregator restored from ``checkpoint()`` bytes.
    public init(checkpoint bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(NetFlowAggregator.self, from: Data(bytes))
    }
}
