import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves host names to IP addresses for bots that poll devices by name: IPv4 addresses
/// first, then IPv6; cached, re-resolved periodically, never on the cooperative thread pool.
///
/// - Lookups run `getaddrinfo` on threads of their own (at most
///   ``Configuration/maximumConcurrentLookups`` at once, further names wait their turn), so a
///   slow resolver delays only the callers waiting for a name; callers of one name share one lookup.
/// - An answer is used for ``Configuration/refreshInterval`` (5 minutes). After that, callers
///   get the cached addresses at once while a lookup refreshes them in the background.
/// - If a refresh fails, the last good addresses stay in use for ``Configuration/staleLimit``
///   (1 hour) after they were resolved; then the failure is reported.
/// - A failed name is looked up again at most every ``Configuration/failureRetryInterval`` (30 s).
///
/// IP literals (`192.0.2.1`, `::1`, `[::1]`) are returned as they are, without a lookup.
public final class HostResolver: Sendable {
    /// Cache timing.
    public struct Configuration: Hashable, Sendable {
        /// How long an answer is used before it is refreshed. Default 5 minutes.
        public var refreshInterval: Duration
        /// How long after the last successful lookup its addresses are still used while
        /// refreshes fail. Default 1 hour.
        public var staleLimit: Duration
        /// How long a failure is remembered before the next lookup. Default 30 s.
        public var failureRetryInterval: Duration
        /// Lookup threads at most (thousands of new names must not start thousands of threads). Default 16.
        public var maximumConcurrentLookups: Int

        /// Creates a configuration.
        public init(
            refreshInterval: Duration = .seconds(300), staleLimit: Duration = .seconds(3600), failureRetryInterval: Duration = .seconds(30),
            maximumConcurrentLookups: Int = 16
        ) {
            self.refreshInterval = refreshInterval
            self.staleLimit = staleLimit
            self.failureRetryInterval = failureRetryInterval
            self.maximumConcurrentLookups = max(1, maximumConcurrentLookups)
        }
    }

    /// A name that did not resolve.
    public struct ResolutionError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The kind of failure.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            private let name: String
            private init(_ name: String) { self.name = name }
            /// The resolver answered that the name does not exist or has no address.
            public static let notFound = Code("not found")
            /// The lookup failed otherwise (no answer from the DNS server, a system error).
            public static let lookupFailed = Code("lookup failed")
            /// The code's name.
            public var description: String { name }
        }

        /// The kind of failure.
        public var code: Code
        /// The name looked up.
        public var host: String
        /// The resolver's words.
        public var message: String

        /// Creates an error.
        public init(code: Code, host: String, message: String) {
            self.code = code
            self.host = host
            self.message = message
        }

        /// `cannot resolve host name '<host>': <message>`.
        public var description: String { "cannot resolve host name '\(host)': \(message)" }
    }

    /// A blocking lookup: the name's addresses as text, in any order.
    public typealias Lookup = @Sendable (String) throws(ResolutionError) -> [String]

    /// One resolver for the process, so that bots and clients share the cache.
    public static let shared = HostResolver()

    private struct Entry {
        var addresses: [String]?
        var resolvedAt: ContinuousClock.Instant?
        var failure: ResolutionError?
        var failedAt: ContinuousClock.Instant?
        var inFlight: Task<[String], any Error>?
    }

    private let configuration: Configuration
    private let lookup: Lookup
    private let now: @Sendable () -> ContinuousClock.Instant
    private let entries = Mutex<[String: Entry]>([:])
    /// Lookup threads running, and the lookups waiting for one.
    private let lanes = Mutex<(running: Int, waiting: [@Sendable () -> Void])>((0, []))

    /// Creates a resolver (most code uses ``shared``).
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, lookup: HostResolver.systemLookup, now: { ContinuousClock.now })
    }

    /// Creates a resolver with another lookup and clock (for tests).
    package init(configuration: Configuration, lookup: @escaping Lookup, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.configuration = configuration
        self.lookup = lookup
        self.now = now
    }

    /// The addresses of `host`, IPv4 before IPv6, as text (`192.0.2.1`, `2001:db8::1`).
    ///
    /// - Throws: ``ResolutionError`` when the name does not resolve and no address of it from
    ///   the last ``Configuration/staleLimit`` is cached.
    public func resolve(_ host: String) async throws(ResolutionError) -> [String] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if Self.isIPLiteral(name) { return [name] }
        let key = name.lowercased()
        let time = now()
        enum Decision {
            case cached([String])
            case failed(ResolutionError)
            case wait(Task<[String], any Error>)
        }
        let decision: Decision = entries.withLock { entries in
            var entry = entries[key] ?? Entry()
            defer { entries[key] = entry }
            if let addresses = entry.addresses, let resolvedAt = entry.resolvedAt {
                if time - resolvedAt < configuration.refreshInterval { return .cached(addresses) }
                // Due: refresh in the background, answer from the cache while it is fresh enough.
                let failedRecently = entry.failedAt.map { time - $0 < configuration.failureRetryInterval } ?? false
                if entry.inFlight == nil, !failedRecently { entry.inFlight = startLookup(key) }
                if time - resolvedAt < configuration.staleLimit { return .cached(addresses) }
                if let task = entry.inFlight { return .wait(task) }
                return .failed(entry.failure ?? ResolutionError(code: .lookupFailed, host: name, message: "no current answer"))
            }
            if let task = entry.inFlight { return .wait(task) }
            if let failure = entry.failure, let failedAt = entry.failedAt, time - failedAt < configuration.failureRetryInterval {
                return .failed(failure)
            }
            let task = startLookup(key)
            entry.inFlight = task
            return .wait(task)
        }
        switch decision {
        case .cached(let addresses):
            return addresses
        case .failed(let error):
            throw error
        case .wait(let task):
            do {
                return try await task.value
            } catch let error as ResolutionError {
                throw error
            } catch {
                throw ResolutionError(code: .lookupFailed, host: name, message: "\(error)")
            }
        }
    }

    /// The lookup of `key` in flight, if any (for tests that wait for a background refresh).
    package func inFlightLookup(_ host: String) -> Task<[String], any Error>? {
        entries.withLock { $0[host.lowercased()]?.inFlight }
    }

    /// Runs `work` on a lookup thread: a new one while fewer than the maximum run, else the
    /// next one that becomes free.
    private func onLookupThread(_ work: @escaping @Sendable () -> Void) {
        let limit = configuration.maximumConcurrentLookups
        let startsThread = lanes.withLock { lanes in
            guard lanes.running < limit else {
                lanes.waiting.append(work)
                return false
            }
            lanes.running += 1
            return true
        }
        guard startsThread else { return }
        let thread = Thread { [self] in
            var next: (@Sendable () -> Void)? = work
            while let job = next {
                job()
                next = lanes.withLock { lanes in
                    guard !lanes.waiting.isEmpty else {
                        lanes.running -= 1
                        return nil
                    }
                    return lanes.waiting.removeFirst()
                }
            }
        }
        thread.name = "HostResolver"
        thread.start()
    }

    /// Starts a lookup on a lookup thread; its result goes into the cache.
    private func startLookup(_ key: String) -> Task<[String], any Error> {
        let lookup = self.lookup
        return Task {
            let result: Result<[String], ResolutionError> = await withCheckedContinuation { continuation in
                onLookupThread {
                    do throws(ResolutionError) {
                        continuation.resume(returning: .success(Self.preferringIPv4(try lookup(key))))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            let time = now()
            return try entries.withLock { entries in
                var entry = entries[key] ?? Entry()
                defer { entries[key] = entry }
                entry.inFlight = nil
                switch result {
                case .success(let addresses) where !addresses.isEmpty:
                    entry.addresses = addresses
                    entry.resolvedAt = time
                    entry.failure = nil
                    entry.failedAt = nil
                    return addresses
                case .success:
                    let error = ResolutionError(code: .notFound, host: key, message: "the name has no IPv4 or IPv6 address")
                    entry.failure = error
                    entry.failedAt = time
                    throw error
                case .failure(let error):
                    entry.failure = error
                    entry.failedAt = time
                    // A refresh that fails keeps the last good addresses (until the stale limit).
                    if let addresses = entry.addresses, let resolvedAt = entry.resolvedAt, time - resolvedAt < configuration.staleLimit {
                        return addresses
                    }
                    throw error
                }
            }
        }
    }

    /// IPv4 addresses first, each address once, otherwise in the resolver's order.
    package static func preferringIPv4(_ addresses: [String]) -> [String] {
        var seen: Set<String> = []
        let unique = addresses.filter { seen.insert($0).inserted }
        return unique.filter { !$0.contains(":") } + unique.filter { $0.contains(":") }
    }

    /// True for an IPv4 or IPv6 address in text form (no brackets, no zone).
    public static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// `getaddrinfo` (blocking): the name's IPv4 and IPv6 addresses.
    public static func systemLookup(_ host: String) throws(ResolutionError) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_DGRAM
        #else
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            let message = String(cString: gai_strerror(status))
            throw ResolutionError(code: status == EAI_NONAME ? .notFound : .lookupFailed, host: host, message: message)
        }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var next = list
        while let info = next {
            next = info.pointee.ai_next
            guard let address = info.pointee.ai_addr else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(info.pointee.ai_family) {
            case AF_INET:
                var ip = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                guard inet_ntop(AF_INET, &ip, &buffer, socklen_t(buffer.count)) != nil else { continue }
            case AF_INET6:
                var ip = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                guard inet_ntop(AF_INET6, &ip, &buffer, socklen_t(buffer.count)) != nil else { continue }
            default:
                continue
            }
            addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return addresses
    }
}
