import NIOCore

/// What a client knows about an authoritative SNMPv3 engine (RFC 3414 §2.3): its ID and its
/// clock, as boots/time received at a local instant.
struct EngineState: Hashable, Sendable {
    var engineID: [UInt8]
    var boots: Int32
    var time: Int32
    var receivedAt: NIODeadline

    /// The engine's time now, extrapolated from when we last heard it.
    func estimated(at now: NIODeadline) -> USMProcessor.Engine {
        let elapsed = max(0, (now - receivedAt).nanoseconds / 1_000_000_000)
        let time = Int64(self.time) + elapsed
        return USMProcessor.Engine(engineID: engineID, boots: boots, time: Int32(clamping: time))
    }

    /// Updates the clock from an authenticated message, never moving it backwards (RFC 3414 §3.2.7.b).
    mutating func update(boots: Int32, time: Int32, at now: NIODeadline) {
        let current = estimated(at: now)
        if boots > current.boots || (boots == current.boots && time > current.time) {
            self.boots = boots
            self.time = time
            self.receivedAt = now
        }
    }
}
