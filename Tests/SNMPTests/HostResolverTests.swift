import HostResolution
import Foundation
import Synchronization
import Testing

@testable import SNMP

@Suite("Host name resolution: IPv4 first, cached, refreshed, deduplicated")
struct HostResolverTests {
    /// A lookup whose answers the test sets, counting its calls, on a clock the test moves.
    final class FakeDNS: Sendable {
        let answer = Mutex<Result<[String], HostResolver.ResolutionError>>(.success(["192.0.2.1"]))
        let calls = Atomic<Int>(0)
        let offset = Mutex<Duration>(.zero)
        let start = ContinuousClock.now

        func resolver(_ configuration: HostResolver.Configuration = .init(), delay: Duration = .zero) -> HostResolver {
            HostResolver(
                configuration: configuration,
                lookup: { name throws(HostResolver.ResolutionError) in
                    self.calls.add(1, ordering: .relaxed)
                    if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18) }
                    return try self.answer.withLock { $0 }.get()
                },
                now: { self.start + self.offset.withLock { $0 } })
        }

        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
        func fail() { answer.withLock { $0 = .failure(.init(code: .notFound, host: "router", message: "Name or service not known")) } }
    }

    @Test func literalsNeedNoLookup() async throws {
        let dns = FakeDNS()
        let resolver = dns.resolver()
        #expect(try await resolver.resolve("192.0.2.9") == ["192.0.2.9"])
        #expect(try await resolver.resolve("::1") == ["::1"])
        #expect(try await resolver.resolve("[2001:db8::1]") == ["2001:db8::1"])
        #expect(dns.calls.load(ordering: .relaxed) == 0)
    }

    @Test func ordersIPv4FirstWithoutDuplicates() {
        #expect(HostResolver.preferringIPv4(["2001:db8::1", "192.0.2.7", "::1", "192.0.2.7", "192.0.2.8"]) == ["192.0.2.7", "192.0.2.8", "2001:db8::1", "::1"])
    }

    @Test func systemLookupOfLocalhostAndOfAnInvalidName() async throws {
        let resolver = HostResolver()
        let local = try await resolver.resolve("localhost")
        #expect(local.first == "127.0.0.1")
        // RFC 6761: .invalid never resolves.
        let error = await #expect(throws: HostResolver.ResolutionError.self) { try await resolver.resolve("no-such-host.invalid") }
        #expect(error?.description.contains("'no-such-host.invalid'") == true)
    }

    @Test func concurrentCallersShareOneLookup() async throws {
        let dns = FakeDNS()
        let resolver = dns.resolver(delay: .milliseconds(50))
        let answers = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<20 { group.addTask { try await resolver.resolve("router") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: ["192.0.2.1"], count: 20))
        #expect(dns.calls.load(ordering: .relaxed) == 1)
    }

    @Test func lookupThreadsAreBounded() async throws {
        let running = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let resolver = HostResolver(
            configuration: .init(maximumConcurrentLookups: 2),
            lookup: { name throws(HostResolver.ResolutionError) in
                let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                most.max(now, ordering: .sequentiallyConsistent)
                Thread.sleep(forTimeInterval: 0.02)
                running.subtract(1, ordering: .sequentiallyConsistent)
                return ["192.0.2.\(name.dropFirst(4))"]
            },
            now: { ContinuousClock.now })
        let answers = try await withThrowingTaskGroup(of: [String].self) { group in
            for index in 1...12 { group.addTask { try await resolver.resolve("host\(index)") } }
            return try await group.reduce(into: Set<[String]>()) { $0.insert($1) }
        }
        #expect(answers == Set((1...12).map { ["192.0.2.\($0)"] }))
        #expect(most.load(ordering: .sequentiallyConsistent) <= 2)
    }

    @Test func refreshesInTheBackgroundAndKeepsTheLastGoodAnswer() async throws {
        let dns = FakeDNS()
        let resolver = dns.resolver()
        #expect(try await resolver.resolve("Router") == ["192.0.2.1"])
        dns.advance(.seconds(60))
        #expect(try await resolver.resolve("router") == ["192.0.2.1"])
        #expect(dns.calls.load(ordering: .relaxed) == 1)

        // Due after 5 minutes: the cached answer at once, the new one after the refresh.
        dns.answer.withLock { $0 = .success(["2001:db8::5", "192.0.2.2"]) }
        dns.advance(.seconds(300))
        #expect(try await resolver.resolve("router") == ["192.0.2.1"])
        _ = try await resolver.inFlightLookup("router")?.value
        #expect(try await resolver.resolve("router") == ["192.0.2.2", "2001:db8::5"])
        #expect(dns.calls.load(ordering: .relaxed) == 2)

        // The name stops resolving: the last answer stays in use for up to an hour after it was resolved.
        dns.fail()
        dns.advance(.seconds(301))
        #expect(try await resolver.resolve("router") == ["192.0.2.2", "2001:db8::5"])
        _ = try? await resolver.inFlightLookup("router")?.value
        dns.advance(.seconds(1800))
        #expect(try await resolver.resolve("router") == ["192.0.2.2", "2001:db8::5"])
        _ = try? await resolver.inFlightLookup("router")?.value
        dns.advance(.seconds(1800))
        let error = await #expect(throws: HostResolver.ResolutionError.self) { try await resolver.resolve("router") }
        #expect(error?.code == .notFound)
    }

    @Test func failuresAreRetriedAfterAPause() async throws {
        let dns = FakeDNS()
        dns.fail()
        let resolver = dns.resolver()
        await #expect(throws: HostResolver.ResolutionError.self) { try await resolver.resolve("router") }
        await #expect(throws: HostResolver.ResolutionError.self) { try await resolver.resolve("router") }
        #expect(dns.calls.load(ordering: .relaxed) == 1)
        dns.answer.withLock { $0 = .success(["192.0.2.3"]) }
        dns.advance(.seconds(31))
        #expect(try await resolver.resolve("router") == ["192.0.2.3"])
        #expect(dns.calls.load(ordering: .relaxed) == 2)
    }
}
