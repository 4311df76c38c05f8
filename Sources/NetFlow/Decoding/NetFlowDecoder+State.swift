#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NetFlowDecoder {
    /// What a decoder must remember across restarts: templates and announced sampling.
    /// Queued data and counters are not kept.
    public struct State: Codable, Sendable, Hashable {
        /// One stored template.
        public struct StoredTemplate: Codable, Sendable, Hashable {
            /// Its key.
            public var key: TemplateKey
            /// Its fields.
            public var definition: TemplateDefinition
        }

        /// One stored sampling rate (`sampler` nil: the exporter's default).
        public struct StoredRate: Codable, Sendable, Hashable {
            /// The exporter.
            public var exporter: FlowAddress
            /// Observation domain / source ID.
            public var domain: UInt32
            /// Sampler or selector ID, nil for the exporter-wide rate.
            public var sampler: UInt64?
            /// The rate.
            public var rate: UInt32
        }

        /// One exporter's IPFIX systemInitTimeMilliseconds.
        public struct StoredInitTime: Codable, Sendable, Hashable {
            /// The exporter.
            public var exporter: FlowAddress
            /// Observation domain.
            public var domain: UInt32
            /// Unix milliseconds of the exporter's boot.
            public var milliseconds: UInt64
        }

        /// Format version of this structure.
        public var formatVersion = 1
        /// Templates.
        public var templates: [StoredTemplate] = []
        /// Sampling rates.
        public var rates: [StoredRate] = []
        /// IPFIX systemInitTimeMilliseconds per exporter and domain.
        public var systemInit: [StoredInitTime] = []
    }

    /// The templates and sampling state, sorted so equal states give equal bytes.
    public func exportState() -> State {
        var state = State()
        state.templates = templates.map { State.StoredTemplate(key: $0.key, definition: $0.value.definition) }
            .sorted { ($0.key.exporter, $0.key.domain, $0.key.templateID) < ($1.key.exporter, $1.key.domain, $1.key.templateID) }
        state.rates = exporterSampling.map { State.StoredRate(exporter: $0.key.exporter, domain: $0.key.domain, sampler: nil, rate: $0.value) }
            + samplerSampling.map { State.StoredRate(exporter: $0.key.exporter, domain: $0.key.domain, sampler: $0.key.sampler, rate: $0.value) }
        state.rates.sort { ($0.exporter, $0.domain, $0.sampler ?? 0) < ($1.exporter, $1.domain, $1.sampler ?? 0) }
        state.systemInit = systemInit.map { State.StoredInitTime(exporter: $0.key.exporter, domain: $0.key.domain, milliseconds: $0.value) }
            .sorted { ($0.exporter, $0.domain) < ($1.exporter, $1.domain) }
        return state
    }

    /// Adds a stored state's templates and rates (entries already known are replaced).
    public mutating func importState(_ state: State) {
        for stored in state.templates where templates.count < configuration.templateLimit || templates[stored.key] != nil {
            let definition = stored.definition
            guard definition.fields.count <= configuration.fieldsPerTemplateLimit,
                definition.fields.enumerated().allSatisfy({ $0.element.length > 0 || $0.offset < definition.scopeFieldCount })
            else { continue }
            templates[stored.key] = CompiledTemplate(definition)
        }
        for rate in state.rates where rate.rate > 0 {
            if let sampler = rate.sampler {
                samplerSampling[SamplerKey(exporter: rate.exporter, domain: rate.domain, sampler: sampler)] = rate.rate
            } else {
                exporterSampling[DomainKey(exporter: rate.exporter, domain: rate.domain)] = rate.rate
            }
        }
        for entry in state.systemInit {
            systemInit[DomainKey(exporter: entry.exporter, domain: entry.domain)] = entry.milliseconds
        }
    }

    /// ``exportState()`` as JSON bytes, for a state directory.
    public func serializedState() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(exportState()))
    }

    /// Imports bytes written by ``serializedState()``.
    public mutating func restoreState(from bytes: [UInt8]) throws {
        importState(try JSONDecoder().decode(State.self, from: Data(bytes)))
    }
}
