import Hummingbird
import Logging
import NIOCore

/// Opens and closes the backend's listener: a Hummingbird application on 127.0.0.1.
///
/// The application runs in a task that this controller owns and always joins (``stop()``), so
/// the server never outlives the backend's `shutdown()`; closing the listener this way also drops
/// every open connection at once, as a crashed or stopped backend would.
actor ListenerController {
    private let core: BackendCore
    private let logger: Logger
    private var server: Task<Void, Never>?
    private(set) var port: Int
    private var isFinished = false

    init(core: BackendCore, port: Int, logger: Logger) {
        self.core = core
        self.port = port
        self.logger = logger
    }

    var isListening: Bool { server != nil }

    /// Starts listening on the configured port (0: an ephemeral one, remembered for later starts).
    func start() async throws {
        guard !isFinished else {
            throw GrafoleanTestBackendError(code: .notRunning, message: "the backend was shut down; start a new one")
        }
        guard server == nil else { return }
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
        let task = Task {
            do {
                try await application.run()
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
        server.cancel()
        await server.value
        logger.debug("Test backend stopped listening on 127.0.0.1:\(port)")
    }

    /// Stops for good.
    func finish() async {
        isFinished = true
        await stop()
    }
}
