import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Serves `/metrics` (Prometheus text format), `/health`, and with a status source `/status`
/// (JSON) and `/` (the same as an HTML page) over HTTP.
///
/// `/health` answers 200 `ok` while the bot works and 503 with the reasons when configuration
/// refreshes have failed for too long or the scheduler stopped making progress, so that a container
/// health check can restart a stuck bot.
public struct ObservabilityServer: Service {
    let host: String
    let port: Int
    let health: CollectorHealth
    let registry: PrometheusCollectorRegistry
    let clock: any CollectorClock
    let logger: Logger
    let status: (@Sendable () async -> CollectorStatus)?

    /// Creates the server; it listens when run. With `status`, it also serves `/status` and `/`.
    public init(
        host: String, port: Int, health: CollectorHealth, registry: PrometheusCollectorRegistry, clock: any CollectorClock, logger: Logger,
        status: (@Sendable () async -> CollectorStatus)? = nil
    ) {
        self.status = status
        self.host = host
        self.port = port
        self.health = health
        self.registry = registry
        self.clock = clock
        self.logger = logger
    }

    /// Serves until a graceful shutdown.
    public func run() async throws {
        let router = Router()
        let registry = self.registry
        let health = self.health
        let clock = self.clock
        router.get("metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("health") { _, _ -> Response in
            let report = health.report(now: clock.now)
            let text = report.healthy ? "ok\n" : "unhealthy\n" + report.problems.map { "- \($0)\n" }.joined()
            return Response(
                status: report.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        if let status {
            router.get("status") { _, _ -> Response in
                let body = (try? await status().json()) ?? Data("{}".utf8)
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            router.get("/") { _, _ -> Response in
                let page = StatusPage.html(await status())
                return Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: page)))
            }
        }
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: serverLogger)
        logger.info(status == nil ? "serving /metrics and /health" : "serving the status page (/), /status, /metrics and /health", metadata: ["address": "\(host):\(port)"])
        try await application.runService()
    }
}
