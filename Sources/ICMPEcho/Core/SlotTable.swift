/// Hands out (identifier, sequence) pairs for one address family and remembers who owns each.
///
/// A family has `laneCount` identifiers ("lanes"), each with the 16-bit sequence space, so
/// `laneCount × 65,536` slots. Slots are taken round-robin (lanes first, then sequences), and a
/// slot stays reserved until `reservedUntil` — the probe's deadline plus the late-reply window —
/// so a late reply can never meet a newer request on the same identifier and sequence. All
/// times are monotonic nanoseconds supplied by the caller, which keeps this type deterministic.
///
/// Confined to the engine's I/O thread.
struct SlotTable {
    /// One reserved identifier/sequence pair.
    struct Slot: Equatable {
        var lane: Int
        var sequence: UInt16
        var index: Int
    }

    static let sequencesPerLane = 1 << 16

    let laneCount: Int
    private var owners: [UInt64]
    private var reservedUntil: [Int64]
    private var cursor = 0

    /// Creates a table with all slots free.
    init(laneCount: Int) {
        precondition(laneCount > 0)
        self.laneCount = laneCount
        owners = Array(repeating: 0, count: laneCount * Self.sequencesPerLane)
        reservedUntil = Array(repeating: .min, count: laneCount * Self.sequencesPerLane)
    }

    /// The number of slots.
    var capacity: Int { owners.count }

    /// Reserves the next free slot for `owner` until `until`, or returns `nil` when every slot is
    /// still reserved at `now`.
    mutating func reserve(owner: UInt64, now: Int64, until: Int64) -> Slot? {
        for _ in 0 ..< owners.count {
            let index = cursor
            cursor = cursor + 1 == owners.count ? 0 : cursor + 1
            if reservedUntil[index] <= now {
                owners[index] = owner
                reservedUntil[index] = until
                return slot(at: index)
            }
        }
        return nil
    }

    /// Frees a slot whose request never left the host.
    mutating func release(_ slot: Slot) {
        owners[slot.index] = 0
        reservedUntil[slot.index] = .min
    }

    /// The probe token that owns `lane`/`sequence`, or `nil` when the slot was never used.
    func owner(lane: Int, sequence: UInt16) -> UInt64? {
        guard lane >= 0, lane < laneCount else { return nil }
        let owner = owners[Int(sequence) * laneCount + lane]
        return owner == 0 ? nil : owner
    }

    private func slot(at index: Int) -> Slot {
        Slot(lane: index % laneCount, sequence: UInt16(index / laneCount), index: index)
    }
}
