import Foundation
import Logging

/// Where a bot's token comes from: given directly, or read from a file.
///
/// Grafolean's installer writes the token of its default bots to a file that may appear only
/// after the bot has started (`BOT_TOKEN_FROM_FILE`), so a file source waits for the file.
public enum BotTokenSource: Sendable, Hashable {
    /// The token itself (`BOT_TOKEN`).
    case value(BotToken)
    /// A file holding the token (`BOT_TOKEN_FROM_FILE`); surrounding white space is stripped.
    case file(String)

    /// Reads the token, waiting for a file that does not exist yet (checking every `pollInterval`).
    ///
    /// Throws ``GrafoleanError/Code/invalidConfiguration`` for an unreadable or empty file.
    public func load(
        clock: any CollectorClock = SystemClock(),
        pollInterval: Duration = .seconds(5),
        logger: Logger
    ) async throws -> BotToken {
        switch self {
        case .value(let token):
            return token
        case .file(let path):
            var announced = false
            while !FileManager.default.fileExists(atPath: path) {
                if !announced {
                    logger.notice("waiting for the bot token file to appear", metadata: ["file": "\(path)"])
                    announced = true
                }
                try await clock.sleep(seconds: pollInterval.inSeconds)
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GrafoleanError(code: .invalidConfiguration, message: "cannot read the bot token file '\(path)' (permissions?)")
            }
            let token = BotToken(String(decoding: data, as: UTF8.self))
            guard !token.secret.isEmpty else {
                throw GrafoleanError(code: .invalidConfiguration, message: "the bot token file '\(path)' is empty")
            }
            return token
        }
    }
}
