import AsyncHTTPClient
import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP answer as the tests look at it.
struct HTTPAnswer: Sendable {
    var status: Int
    var contentType: String?
    var body: String
    var headers: HTTPHeaders

    /// The body decoded as JSON.
    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
    }
}

/// A small HTTP client over AsyncHTTPClient (real sockets, no connection pooling surprises:
/// every test owns its client and shuts it down).
final class TestHTTP: Sendable {
    let client: HTTPClient

    init() {
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    func send(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: String? = nil,
        deadline: Duration = .seconds(30)
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: timeAmount(deadline))
        let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return HTTPAnswer(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "content-type"),
            body: String(buffer: buffer),
            headers: response.headers
        )
    }

    /// GET with the bot token as `?b=`.
    func get(_ backend: GrafoleanTestBackend, _ path: String, token: String?) async throws -> HTTPAnswer {
        try await send("GET", Self.url(backend, path, token: token))
    }

    /// POST/PUT a JSON body with the bot token.
    func write(_ method: String, _ backend: GrafoleanTestBackend, _ path: String, token: String?, json: String) async throws -> HTTPAnswer {
        try await send(method, Self.url(backend, path, token: token), headers: [("Content-Type", "application/json")], body: json)
    }

    static func url(_ backend: GrafoleanTestBackend, _ path: String, token: String?) -> String {
        let base = backend.baseURL + path
        guard let token else { return base }
        return base + (base.contains("?") ? "&" : "?") + "b=" + token
    }
}

/// Runs `body` with a fresh backend and HTTP client, shutting both down afterwards.
///
/// Not generic on purpose: with a generic result, a closure whose only `try`s sit inside
/// `#expect` would be inferred as non-throwing.
func withBackend(
    now: @escaping @Sendable () -> Date = { Date() },
    _ body: (GrafoleanTestBackend, TestHTTP) async throws -> Void
) async throws {
    let http = TestHTTP()
    do {
        try await GrafoleanTestBackend.withRunning(now: now) { backend in
            try await body(backend, http)
        }
        try await http.shutdown()
    } catch {
        try? await http.shutdown()
        throw error
    }
}

/// A wall clock the test sets by hand (the backend's `now`).
final class BackendTestClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ seconds: Double) {
        self.seconds = Mutex(seconds)
    }

    var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }

    func set(_ value: Double) {
        seconds.withLock { $0 = value }
    }

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }

    /// The clock as the backend takes it.
    var function: @Sendable () -> Date {
        { [self] in self.now }
    }
}

/// Whether a TCP connection to 127.0.0.1:`port` is refused (ECONNREFUSED), probed with a plain socket.
func isConnectionRefused(port: Int) -> Bool {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return result != 0 && errno == ECONNREFUSED
}

/// A `Duration` as NIO's `TimeAmount`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
}

/// A small deterministic random number generator for test data.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
