import Logging

/// Creates an engine, runs it while `body` runs, and stops it afterwards.
///
/// - Throws: what the engine's initialiser or `body` throws.
public func withICMPEchoEngine<Result>(
    configuration: ICMPEchoEngine.Configuration = ICMPEchoEngine.Configuration(),
    logger: Logger = Logger(label: "ICMPEcho"),
    _ body: (ICMPEchoEngine) async throws -> Result
) async throws -> Result {
    let engine = try ICMPEchoEngine(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask { try await engine.run() }
        defer { group.cancelAll() }
        return try await body(engine)
    }
}
