import Logging
import Synchronization

/// One shared ICMP echo ("ping") engine for any number of concurrent callers.
///
/// All probes are multiplexed over a few sockets per address family (raw, or unprivileged datagram
/// sockets, see ``SocketMode``) served by one dedicated I/O thread, which sends requests, matches
/// replies by identifier, sequence and a per-probe token, and enforces timeouts on the monotonic
/// clock. A reply that arrives after its probe's timeout never counts, and identifier/sequence
/// pairs are not reused while such a late reply could still come back.
///
/// ```swift
/// let engine = try ICMPEchoEngine()
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await engine.run() }
///     let results = try await engine.ping("127.0.0.1", count: 3, spacing: .seconds(1), timeout: .seconds(1))
///     group.cancelAll()
/// }
/// ```
/// or ``withICMPEchoEngine(configuration:logger:_:)``. Probes issued before ``run()`` starts wait
/// for it; probes issued after it ended fail with ``ICMPEchoError/Code/shutDown``.
public final class ICMPEchoEngine: Sendable {
    /// The configuration the engine was created with.
    public let configuration: Configuration

    let resources: EngineResources
    let state: Mutex<EngineState>
    let nextToken = Atomic<UInt64>(1)
    /// Random per engine: replies without it belong to other processes (or other engines).
    let nonce: UInt64
    let logger: Logger
    let metrics: EchoMetrics

    /// Opens the engine's sockets; permission problems surface here, with advice in the message.
    ///
    /// - Throws: ``ICMPEchoError`` with ``ICMPEchoError/Code/permissionDenied`` when no allowed
    ///   socket kind can be opened, ``ICMPEchoError/Code/invalidArgument`` for a bad configuration.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "ICMPEcho")) throws(ICMPEchoError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        resources = try EngineResources(configuration: configuration, logger: logger)
        state = Mutex(EngineState())
        nonce = UInt64.random(in: 1 ... .max)
        metrics = EchoMetrics(prefix: configuration.metricsLabelPrefix)
    }

    /// The kind of socket used for IPv4.
    public var socketKind: SocketKind { resources.ipv4.kind }

    /// The kind of socket used for IPv6, or `nil` when IPv6 is disabled or unavailable.
    public var ipv6SocketKind: SocketKind? { resources.ipv6?.kind }

    /// A snapshot of the engine's counters.
    public var statistics: ICMPEchoStatistics {
        state.withLock { state in
            var snapshot = state.statistics
            snapshot.pendingProbes = state.probes.count
            return snapshot
        }
    }

    /// Runs the engine's I/O loop until the calling task is cancelled, then fails the probes
    /// still pending with ``ICMPEchoError/Code/shutDown`` and returns.
    ///
    /// Shaped like swift-service-lifecycle's `Service.run()`. An engine runs once.
    public func run() async throws {
        try state.withLock { (state) throws(ICMPEchoError) in
            guard case .idle = state.lifecycle else {
                throw ICMPEchoError(code: .alreadyRunning, message: "ICMPEchoEngine.run() was already called on this engine")
            }
            state.lifecycle = .running
        }
        logger.info("ICMP echo engine running", metadata: [
            "ipv4": "\(resources.ipv4.kind) x\(resources.ipv4.sockets.count)",
            "ipv6": "\(resources.ipv6.map { "\($0.kind) x\($0.sockets.count)" } ?? "off")",
            "receive_buffer": "\(resources.ipv4.sockets.first?.receiveBufferSize ?? 0)",
        ])
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (finished: CheckedContinuation<Void, any Error>) in
                do {
                    try IOThread.start { [self] in
                        EchoLoop(engine: self).run()
                        finished.resume()
                    }
                } catch {
                    EchoLoop.failRemainingProbes(of: self)
                    finished.resume(throwing: error)
                }
            }
        } onCancel: {
            requestStop()
        }
        logger.info("ICMP echo engine stopped")
    }

    /// Sends one echo request and waits up to `timeout` for its reply.
    ///
    /// - Returns: the reply, or `nil` when none came within `timeout`.
    /// - Throws: `CancellationError` when the calling task is cancelled (the probe is dropped at
    ///   once); ``ICMPEchoError`` with ``ICMPEchoError/Code/sendFailed`` when the kernel refuses to
    ///   send (e.g. network unreachable), or another code for an unusable target or engine.
    public func echo(to target: ICMPEchoAddress, timeout: Duration = .seconds(1)) async throws -> EchoReply? {
        let timeoutNanoseconds = timeout.clampedNanoseconds
        guard timeoutNanoseconds > 0 else {
            throw ICMPEchoError(code: .invalidArgument, message: "the timeout for probing \(target) must be positive, got \(timeout)")
        }
        guard resources.sockets(for: target.family) != nil else {
            throw ICMPEchoError(code: .addressFamilyUnavailable, message: "cannot probe \(target): this engine has no \(target.family) socket")
        }
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
        let maximumPending = configuration.maximumPendingProbes
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EchoReply?, any Error>) in
                let outcome = state.withLock { state in
                    state.submit(
                        token: token, target: target, timeoutNanoseconds: timeoutNanoseconds,
                        continuation: continuation, isCancelled: Task.isCancelled, maximumPending: maximumPending
                    )
                }
                switch outcome {
                case .queued(let wake):
                    if wake { resources.wakeup.signal() }
                case .rejected(let error):
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(token: token) }?.resume(throwing: CancellationError())
        }
    }

    /// Sends one echo request to an address given as text.
    ///
    /// - Throws: ``ICMPEchoError`` with ``ICMPEchoError/Code/invalidAddress`` naming `target` when it
    ///   does not parse; otherwise as ``echo(to:timeout:)-(ICMPEchoAddress,_)``.
    public func echo(to target: String, timeout: Duration = .seconds(1)) async throws -> EchoReply? {
        try await echo(to: ICMPEchoAddress(target), timeout: timeout)
    }

    /// Asks the I/O thread to stop.
    func requestStop() {
        let wake = state.withLock { state in
            guard case .running = state.lifecycle else { return false }
            state.lifecycle = .stopping
            return true
        }
        if wake { resources.wakeup.signal() }
    }
}
