import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A typed client for the bot-facing part of Grafolean's REST API.
///
/// Every request carries the token as `?b=` and has a connect and an overall timeout; failures are
/// ``GrafoleanError``s that tell retryable from permanent. The client owns an HTTP connection pool:
/// call ``shutdown()`` when done.
public final class GrafoleanClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: Configuration
    /// The base URL, without a trailing slash.
    public let baseURL: String
    let httpClient: HTTPClient
    let logger: Logger

    /// Creates a client. Throws ``GrafoleanError/Code/invalidConfiguration`` for a bad URL or CA file.
    public init(configuration: Configuration, logger: Logger = Logger(label: "grafolean.client")) throws {
        self.configuration = configuration
        self.baseURL = try configuration.normalizedBackendURL()
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.caCertificatesFile {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw GrafoleanError(code: .invalidConfiguration, message: "CA certificates file '\(file)' cannot be read")
            }
            tls.trustRoots = .file(file)
        }
        var httpConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.requestTimeout))
        )
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        httpConfiguration.decompression = .enabled(limit: .ratio(100))
        self.httpClient = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: httpConfiguration)
    }

    /// Closes the connection pool. Call once, when no request is running any more.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// Runs `body` with a new client and shuts the client down afterwards, also when `body` throws.
    ///
    /// A client dropped without ``shutdown()`` leaks its connection pool (and traps in debug builds).
    public static func withClient<Result>(
        configuration: Configuration, logger: Logger = Logger(label: "grafolean.client"),
        _ body: (GrafoleanClient) async throws -> Result
    ) async throws -> Result {
        let client = try GrafoleanClient(configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    // MARK: - Requests

    /// An answer of the backend.
    struct Answer {
        var status: Int
        var body: ByteBuffer
        var endpoint: String
    }

    /// Sends one request and maps transport failures and error statuses to ``GrafoleanError``.
    func request(
        _ method: HTTPMethod,
        _ path: String,
        body: ByteBuffer? = nil,
        authenticated: Bool = true
    ) async throws -> Answer {
        let endpoint = "\(method.rawValue) /api\(path)"
        var url = baseURL + path
        if authenticated {
            url += "?b=" + (configuration.token.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-"])) ?? "")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: TimeAmount(configuration.requestTimeout))
            collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            // A request cut short by cancellation (shutdown, a run's timeout) is not a backend failure.
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw transportError(error, endpoint: endpoint)
        }
        let status = Int(response.status.code)
        if (200..<300).contains(status) {
            return Answer(status: status, body: collected, endpoint: endpoint)
        }
        throw statusError(status: status, body: collected, method: method.rawValue, path: path, endpoint: endpoint)
    }

    /// Sends a GET and decodes the JSON answer.
    func get<T: Decodable>(_ path: String, as type: T.Type, authenticated: Bool = true) async throws -> T {
        let answer = try await request(.GET, path, authenticated: authenticated)
        return try decode(type, from: answer.body, endpoint: answer.endpoint)
    }

    func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer, endpoint: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw GrafoleanError(
                code: .undecodableResponse,
                message: "expected \(Self.describe(type)) but could not decode the answer (\(Self.describe(decodingError: error))): \(Self.snippet(body))",
                endpoint: endpoint
            )
        }
    }

    // MARK: - Error mapping

    func transportError(_ error: any Error, endpoint: String) -> GrafoleanError {
        if let error = error as? GrafoleanError { return error }
        let text = redactingBotToken(String(describing: error), token: configuration.token)
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return GrafoleanError(code: .timeout, message: "the backend did not answer within \(configuration.requestTimeout) (\(text))", endpoint: endpoint)
            case .connectTimeout:
                return GrafoleanError(code: .backendUnreachable, message: "could not connect to \(baseURL) within \(configuration.connectTimeout)", endpoint: endpoint)
            default:
                break
            }
        }
        return GrafoleanError(code: .backendUnreachable, message: "cannot reach the backend at \(baseURL): \(text)", endpoint: endpoint)
    }

    func statusError(status: Int, body: ByteBuffer, method: String, path: String, endpoint: String) -> GrafoleanError {
        let detail = Self.backendMessage(body)
        let resource = path.split(separator: "/").joined(separator: "/")
        switch status {
        case 401:
            return GrafoleanError(
                code: .invalidToken,
                message: "the backend does not accept the bot token (401 \(detail)): check BOT_TOKEN; the bot may have been deleted in Grafolean",
                endpoint: endpoint, status: status)
        case 403:
            return GrafoleanError(
                code: .permissionDenied,
                message: "the bot may not \(method) \(resource) (403): grant the bot the permission '\(method) \(resource)' in Grafolean (Admin → Bots → permissions)",
                endpoint: endpoint, status: status)
        case 404:
            return GrafoleanError(code: .notFound, message: "not found (404): \(detail)", endpoint: endpoint, status: status)
        case 400, 422:
            return GrafoleanError(code: .inputRejected, message: "the backend rejected the request (\(status)): \(detail)", endpoint: endpoint, status: status)
        case 429:
            return GrafoleanError(code: .tooManyRequests, message: "the backend asks to slow down (429)", endpoint: endpoint, status: status)
        case 500...599:
            return GrafoleanError(code: .serverError, message: "the backend failed (\(status)): \(detail)", endpoint: endpoint, status: status)
        default:
            return GrafoleanError(code: .serverError, message: "unexpected answer \(status): \(detail)", endpoint: endpoint, status: status)
        }
    }

    /// The backend's own message: a JSON `detail`, or the plain text.
    static func backendMessage(_ body: ByteBuffer) -> String {
        if let json = try? JSONDecoder().decode(JSONValue.self, from: body), let detail = json["detail"] {
            if let string = detail.stringValue { return string }
            if let data = try? JSONEncoder().encode(detail), let string = String(data: data, encoding: .utf8) { return string }
        }
        let text = snippet(body)
        return text.isEmpty ? "(empty answer)" : text
    }

    static func snippet(_ body: ByteBuffer, limit: Int = 300) -> String {
        let text = String(buffer: body)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    static func describe<T>(_ type: T.Type) -> String {
        String(describing: type)
    }

    static func describe(decodingError error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "at the top level" : "at \(path)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)' \(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type) \(path(context))"
        case .valueNotFound(let type, let context): return "null instead of \(type) \(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription) \(path(context))"
        @unknown default: return String(describing: error)
        }
    }
}
