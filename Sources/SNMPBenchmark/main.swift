// Measures GET throughput and ifTable walk time against an SNMP agent (by default a local
// snmpd on 127.0.0.1:161, community "public").
//
//   swift run -c release SNMPBenchmark [--host H] [--port P] [--community C] [--seconds S]
//       [--concurrency N] [--v3-user U --auth SHA-256:password [--priv AES:password]]

import SNMP

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var host = "127.0.0.1"
    var port = 161
    var community = "public"
    var seconds = 3.0
    var concurrency = 64
    var v3User: String?
    var auth: SNMPv3User.Authentication?
    var privacy: SNMPv3User.Privacy?

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError("missing value after \(flag)") }
            switch flag {
            case "--host": host = value
            case "--port": port = Int(value) ?? port
            case "--community": community = value
            case "--seconds": seconds = Double(value) ?? seconds
            case "--concurrency": concurrency = max(1, Int(value) ?? concurrency)
            case "--v3-user": v3User = value
            case "--auth":
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let proto = SNMPAuthProtocol(name: parts[0]) else { throw UsageError("--auth PROTOCOL:password") }
                auth = .init(protocol: proto, password: parts[1])
            case "--priv":
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let proto = SNMPPrivProtocol(name: parts[0]) else { throw UsageError("--priv PROTOCOL:password") }
                privacy = .init(protocol: proto, password: parts[1])
            default: throw UsageError("unknown option \(flag)")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let sysUpTime: OID = "1.3.6.1.2.1.1.3.0"
let ifTable: OID = "1.3.6.1.2.1.2.2.1"

/// GETs per second with `concurrency` requests in flight for `seconds`.
func getRate(_ client: SNMPClient, _ target: SNMPTarget, seconds: Double, concurrency: Int) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int(seconds * 1000))
    let completed = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var count = 0
                while clock.now < deadline {
                    _ = try await client.get(sysUpTime, from: target)
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = clock.now - start
    return Double(completed) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Average milliseconds for a full ifTable walk, and its row count.
func walkTime(_ client: SNMPClient, _ target: SNMPTarget, repetitions: Int = 10) async throws -> (Double, Int) {
    let clock = ContinuousClock()
    var rows = 0
    let elapsed = try await clock.measure {
        for _ in 0..<repetitions {
            rows = try await client.walk(ifTable, on: target).count
        }
    }
    let milliseconds = (Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15) / Double(repetitions)
    return (milliseconds, rows)
}

func format(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return "\(rounded)"
}

let options: Options
do {
    options = try Options(Array(CommandLine.arguments.dropFirst()))
} catch {
    print("usage error: \(error)")
    exit(2)
}

var targets: [(String, SNMPTarget)] = [
    ("v2c", SNMPTarget(host: options.host, port: options.port, credentials: .v2c(community: options.community))),
    ("v1", SNMPTarget(host: options.host, port: options.port, credentials: .v1(community: options.community))),
]
if let user = options.v3User {
    let v3 = SNMPv3User(userName: user, authentication: options.auth, privacy: options.privacy)
    targets.append(("v3 \(v3.securityLevel)", SNMPTarget(host: options.host, port: options.port, credentials: .v3(v3))))
}

try await SNMPClient.withClient { client in
    print("agent \(options.host):\(options.port)")
    for (name, target) in targets {
        _ = try await client.get(sysUpTime, from: target)  // warm up (v3: engine discovery, key derivation)
        let sequential = try await getRate(client, target, seconds: options.seconds, concurrency: 1)
        let concurrent = try await getRate(client, target, seconds: options.seconds, concurrency: options.concurrency)
        let (walkMilliseconds, rows) = try await walkTime(client, target)
        print(
            "\(name): GET \(format(sequential))/s sequential, \(format(concurrent))/s with \(options.concurrency) in flight; ifTable walk (\(rows) rows, \(name == "v1" ? "GETNEXT" : "GETBULK")) \(format(walkMilliseconds)) ms"
        )
    }
}
