import DequeModule

/// The part of an engine's state shared between callers and the I/O thread, kept in a `Mutex`.
///
/// Callers add and cancel probes; the I/O thread moves them through their phases and completes them.
/// Continuations are taken out under the lock and resumed after it is released.
struct EngineState {
    enum Lifecycle {
        case idle
        case running
        case stopping
        case stopped
    }

    struct Probe {
        enum Phase {
            /// Waiting in ``EngineState/sendQueue``.
            case queued
            /// Taken by the I/O thread, being sent.
            case sending
            /// Sent; answered only by a reply received at or before `deadline`.
            case inFlight(sentAt: Int64, deadline: Int64)
        }

        var target: ICMPEchoAddress
        var timeoutNanoseconds: Int64
        var continuation: CheckedContinuation<EchoReply?, any Error>
        var phase: Phase
    }

    var lifecycle = Lifecycle.idle
    var probes: [UInt64: Probe] = [:]
    var sendQueue = Deque<UInt64>()
    /// A wake-up byte is in flight; later submissions need not write another.
    var wakeupPending = false
    var statistics = ICMPEchoStatistics()

    enum SubmitOutcome {
        case queued(wake: Bool)
        case rejected(any Error)
    }

    mutating func submit(
        token: UInt64,
        target: ICMPEchoAddress,
        timeoutNanoseconds: Int64,
        continuation: CheckedContinuation<EchoReply?, any Error>,
        isCancelled: Bool,
        maximumPending: Int
    ) -> SubmitOutcome {
        if isCancelled { return .rejected(CancellationError()) }
        switch lifecycle {
        case .stopping, .stopped:
            return .rejected(ICMPEchoError(code: .shutDown, message: "the ICMP echo engine has stopped; cannot probe \(target)"))
        case .idle, .running:
            break
        }
        guard probes.count < maximumPending else {
            return .rejected(ICMPEchoError(
                code: .tooManyPendingProbes,
                message: "\(probes.count) probes are already pending (maximumPendingProbes); cannot probe \(target)"
            ))
        }
        probes[token] = Probe(target: target, timeoutNanoseconds: timeoutNanoseconds, continuation: continuation, phase: .queued)
        sendQueue.append(token)
        if wakeupPending { return .queued(wake: false) }
        wakeupPending = true
        return .queued(wake: true)
    }

    /// Removes a probe its caller gave up on; its queue entry or deadline is skipped later.
    mutating func cancel(token: UInt64) -> CheckedContinuation<EchoReply?, any Error>? {
        guard let probe = probes.removeValue(forKey: token) else { return nil }
        statistics.cancelled += 1
        return probe.continuation
    }
}
