extension ICMPEchoEngine {
    /// Probes `target` with `count` packets and reports each one.
    ///
    /// Packet `i` is first sent `i × spacing` after the call (like `ping -i`), so packets overlap
    /// when `timeout > spacing`. A packet without a reply within `timeout` is sent again, up to
    /// `retries` more times, right after its timeout; later packets keep their schedule. A reply
    /// only ever counts for the attempt it answers.
    ///
    /// - Returns: `count` results ordered by ``ProbeResult/index``.
    /// - Throws: `CancellationError` when the calling task is cancelled (pending attempts are
    ///   dropped); ``ICMPEchoError`` for invalid arguments or an unusable engine. Requests the kernel
    ///   refuses (e.g. network unreachable) do not throw: they are lost packets with a
    ///   ``ProbeResult/sendError``.
    public func ping(
        _ target: ICMPEchoAddress,
        count: Int = 3,
        spacing: Duration = .seconds(1),
        timeout: Duration = .seconds(1),
        retries: Int = 0
    ) async throws -> [ProbeResult] {
        guard count >= 0, spacing >= .zero, retries >= 0 else {
            throw ICMPEchoError(
                code: .invalidArgument,
                message: "ping \(target): count (\(count)), spacing (\(spacing)) and retries (\(retries)) must not be negative"
            )
        }
        return try await Self.runPingSchedule(count: count, spacing: spacing, retries: retries, clock: ContinuousClock()) { _ in
            try await self.echo(to: target, timeout: timeout)
        }
    }

    /// Probes an address given as text; see ``ping(_:count:spacing:timeout:retries:)-(ICMPEchoAddress,_,_,_,_)``.
    ///
    /// - Throws: ``ICMPEchoError`` with ``ICMPEchoError/Code/invalidAddress`` naming `target` when it
    ///   does not parse.
    public func ping(
        _ target: String,
        count: Int = 3,
        spacing: Duration = .seconds(1),
        timeout: Duration = .seconds(1),
        retries: Int = 0
    ) async throws -> [ProbeResult] {
        try await ping(ICMPEchoAddress(target), count: count, spacing: spacing, timeout: timeout, retries: retries)
    }

    /// The schedule of ``ping(_:count:spacing:timeout:retries:)-(ICMPEchoAddress,_,_,_,_)`` with the
    /// clock and the single probe injected, so it can be tested without sockets or real time.
    static func runPingSchedule<C: Clock>(
        count: Int,
        spacing: Duration,
        retries: Int,
        clock: C,
        probe: @escaping @Sendable (_ index: Int) async throws -> EchoReply?
    ) async throws -> [ProbeResult] where C.Duration == Duration {
        guard count > 0 else { return [] }
        let start = clock.now
        return try await withThrowingTaskGroup(of: ProbeResult.self, returning: [ProbeResult].self) { group in
            for index in 0 ..< count {
                group.addTask {
                    if index > 0 {
                        try await clock.sleep(until: start.advanced(by: spacing * index), tolerance: nil)
                    }
                    var attempts = 0
                    var sendError: ICMPEchoError?
                    while attempts <= retries {
                        attempts += 1
                        do {
                            if let reply = try await probe(index) {
                                return ProbeResult(index: index, reply: reply, attempts: attempts)
                            }
                            sendError = nil
                        } catch let error as ICMPEchoError where error.code == .sendFailed {
                            sendError = error
                        }
                    }
                    return ProbeResult(index: index, reply: nil, attempts: attempts, sendError: sendError)
                }
            }
            var results: [ProbeResult?] = Array(repeating: nil, count: count)
            for try await result in group {
                results[result.index] = result
            }
            return results.compactMap { $0 }
        }
    }
}
