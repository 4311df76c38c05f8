import ServiceLifecycle

/// Runs one of a collector's services in the bot's group and turns its failures into clear errors.
///
/// A service that throws, or that returns while the bot is not shutting down, would otherwise end
/// the group with a generic error or, worse, leave the bot running without it.
struct BotServiceRunner: Service, CustomStringConvertible {
    let service: any Service

    var description: String { String(describing: type(of: service)) }

    func run() async throws {
        do {
            try await service.run()
        } catch is CancellationError {
            return
        } catch {
            throw CollectorError(code: .serviceFailed, message: "the bot's service \(description) failed: \(redactingBotToken(String(describing: error)))")
        }
        if !Task.isShuttingDownGracefully && !Task.isCancelled {
            throw CollectorError(code: .serviceStoppedUnexpectedly, message: "the bot's service \(description) stopped unexpectedly")
        }
    }
}
