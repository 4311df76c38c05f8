import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Synchronization

/// The loopback ports that live test backends hold, so that a backend that went down can listen
/// on its port again.
///
/// A backend asked for "any port" takes a random one below the kernel's ephemeral range
/// (32768 and up on Linux), because the ephemeral range is where clients' outgoing connections get
/// their local ports: a port freed by `goDown()` there could be taken by any connection in the
/// process and `comeBack()` would fail. Below it, only other backends pick ports, and they skip
/// the ones reserved here.
enum BackendPorts {
    static let range = 20_000..<32_000
    private static let reserved = Mutex<Set<Int>>([])

    /// A random unreserved port, now reserved.
    static func reserveRandom() -> Int {
        reserved.withLock { reserved in
            while true {
                let port = Int.random(in: range)
                if reserved.insert(port).inserted { return port }
            }
        }
    }

    static func release(_ port: Int) {
        _ = reserved.withLock { $0.remove(port) }
    }
}

/// Opens and closes the backend's listener: a Hummingbird application on 127.0.0.1.
///
/// The application runs in a task that this controller owns and always joins (``stop()``), so
/// the server never outlives the backend's `shutdown()`; closing the listener this way also drops
/// every open connection at once, as a crashed or stopped backend would.
actor ListenerController {
    private let core: BackendCore
    private let logger: Logger
    private var server: Task<Void, Never>?
    private var serverGroup: ServiceGroup?
    private(set) var port: Int
    private var isFinished = false

    init(core: BackendCore, port: Int, logger: Logger) {
        self.core = core
        self.port = port
        self.logger = logger
    }

    var isListening: Bool { server != nil }

    /// Starts listening on the configured port (0: a random free one of ``BackendPorts``,
    /// remembered for later starts).
    func start() async throws {
        guard !isFinished else {
            throw GrafoleanTestBackendError(code: .notRunning, message: "the backend was shut down; start a new one")
        }
        guard server == nil else { return }
        if port == 0 {
            // Another program may hold a port of the range: try a few.
            var lastError: (any Error)?
            for _ in 0..<20 {
                port = BackendPorts.reserveRandom()
                do {
                    try await listen()
                    ownsReservedPort = true
                    return
                } catch {
                    BackendPorts.release(port)
                    port = 0
                    lastError = error
                }
            }
            throw lastError!
        }
        try await listen()
    }

    private var ownsReservedPort = false

    private func listen() async throws {
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let application = Application(
            responder: BackendResponder(core: core),
            configuration: ApplicationConfiguration(
                address: .hostname("127.0.0.1", port: port),
                serverName: "uvicorn",
                reuseAddress: true
            ),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
        let requestedPort = port
        // Run under a service group so that stopping can be graceful: cancelling a NIO server
        // while it accepts a connection traps (swift-nio#2813).
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let task = Task {
            do {
                try await group.run()
                continuation.yield(.failure(CancellationError()))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        for await event in events {
            switch event {
            case .success(let boundPort):
                server = task
                serverGroup = group
                port = boundPort
                logger.debug("Test backend listening on 127.0.0.1:\(boundPort)")
                return
            case .failure(let error):
                await task.value
                throw GrafoleanTestBackendError(
                    code: .listenFailed,
                    message: "could not listen on 127.0.0.1:\(requestedPort): \(error)"
                )
            }
        }
        throw GrafoleanTestBackendError(code: .listenFailed, message: "the server on 127.0.0.1:\(requestedPort) stopped before listening")
    }

    /// Closes the listener and every connection; waits until the server has stopped.
    func stop() async {
        guard let server else { return }
        self.server = nil
        // Refuse new connections at once and let requests in flight end for a moment, then drop
        // whatever is left, as a stopped backend would.
        await serverGroup?.triggerGracefulShutdown()
        serverGroup = nil
        let deadline = Task {
            try? await Task.sleep(for: .milliseconds(250))
            server.cancel()
        }
        await server.value
        deadline.cancel()
        logger.debug("Test backend stopped listening on 127.0.0.1:\(port)")
    }

    /// Stops for good.
    func finish() async {
        isFinished = true
        await stop()
        if ownsReservedPort {
            BackendPorts.release(port)
            ownsReservedPort = false
        }
    }
}
