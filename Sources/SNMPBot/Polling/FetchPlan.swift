import SNMP

/// What one run fetches for the sensors that are due: every walked OID once (the three default
/// sensors share ifDescr) and every GET OID once, merged into as few requests as the agent allows.
struct FetchPlan: Sendable, Hashable {
    /// The subtrees to walk, in first-use order, without duplicates.
    var walks: [OID] = []
    /// The OIDs to GET, in first-use order, without duplicates.
    var gets: [OID] = []

    /// The plan for `sensors`.
    init(_ sensors: some Sequence<SNMPSensor>) {
        var walked: Set<OID> = []
        var got: Set<OID> = []
        for sensor in sensors {
            for source in sensor.sources {
                switch source.method {
                case .walk: if walked.insert(source.oid).inserted { walks.append(source.oid) }
                case .get: if got.insert(source.oid).inserted { gets.append(source.oid) }
                }
            }
        }
    }
}

/// What a run fetched; nil when that fetch failed.
struct FetchedData: Sendable {
    /// The walked subtrees by OID.
    var columns: [OID: WalkedColumn]?
    /// The GET values by OID (exceptions such as noSuchObject included).
    var scalars: [OID: SNMPValue]?

    /// Whether everything `sensor` needs was fetched.
    func covers(_ sensor: SNMPSensor) -> Bool {
        sensor.sources.allSatisfy { source in
            switch source.method {
            case .walk: columns?[source.oid] != nil
            case .get: scalars?[source.oid] != nil
            }
        }
    }
}
