import Foundation
import ProcessSupport
import SNMP

/// A net-snmp `snmpd` started by a test on a free loopback port, with a generated configuration
/// and persistent directory in a temporary directory, stopped when the test ends.
///
/// It answers v1/v2c with the community `public` (from 127.0.0.1 and ::1) and SNMPv3 for the
/// users of ``usersInConfig`` (or the `users` given; passwords ``authPassword`` and
/// ``privPassword``), `noauthuser`, and ``contextUser``, who may read the system group only in
/// the context ``contextName`` (snmpd proxies it to itself).
/// Tests that need it check ``isInstalled`` first and say why they did not run (``notInstalled``).
public struct SNMPDaemon: Sendable {
    /// The snmpd executable, if installed.
    public static let executable: String? = NetSNMPAgent.executable
    /// Whether snmpd is installed.
    public static var isInstalled: Bool { executable != nil }
    /// Why snmpd tests do not run when it is missing.
    public static let notInstalled = "snmpd not installed: apt-get install snmpd snmp"

    /// The authentication password of every v3 user.
    public static let authPassword = "authpassword1"
    /// The privacy password of every v3 user with privacy.
    public static let privPassword = "privpassword1"
    /// The read-only community.
    public static let community = "public"

    /// The UDP port it listens on (127.0.0.1, and ::1 when ``ipv6``).
    public let port: Int
    /// Whether it also listens on ::1.
    public let ipv6: Bool
    /// Its temporary directory (configuration, log, persistent state).
    public let directory: URL
    private let agent: NetSNMPAgent

    /// Starts an agent, runs `body`, stops the agent (also when `body` throws).
    ///
    /// - Parameters:
    ///   - extraConfiguration: More snmpd.conf lines, such as
    ///     `override 1.3.6.1.4.1.2021.13.16.2.1.2.1 octet_str "Core 0"` to serve a made-up object.
    ///   - users: The v3 users to create (all read-only, at their security level).
    public static func with<Result>(
        extraConfiguration: String = "",
        users: [ConfiguredUser] = usersInConfig,
        _ body: (SNMPDaemon) async throws -> Result
    ) async throws -> Result {
        let daemon = try await start(extraConfiguration: extraConfiguration, users: users)
        do {
            let result = try await body(daemon)
            daemon.stop()
            return result
        } catch {
            daemon.stop()
            throw error
        }
    }

    /// Starts an agent; stop it with ``stop(removeFiles:)``.
    public static func start(extraConfiguration: String = "", users: [ConfiguredUser] = usersInConfig) async throws -> SNMPDaemon {
        guard isInstalled else { throw DaemonError(message: notInstalled) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snmpd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let persistent = directory.appendingPathComponent("persist")
        try FileManager.default.createDirectory(at: persistent, withIntermediateDirectories: true)

        for _ in 0..<5 {
            let port = try FreePort.udp()
            let ipv6 = IPv6Loopback.isUsable
            var config = """
                [snmp] persistentDir \(persistent.path)
                rocommunity \(community) 127.0.0.1
                rocommunity6 \(community) ::1
                createUser noauthuser
                rouser noauthuser noauth

                """
            for user in users {
                config += "createUser \(user.name) \(user.auth)\(user.auth.isEmpty ? "" : " \"\(authPassword)\"")"
                config += user.priv.isEmpty ? "\n" : " \(user.priv) \"\(privPassword)\"\n"
                config += "rouser \(user.name) \(user.priv.isEmpty ? "auth" : "priv")\n"
            }
            // A context of its own: snmpd serves other contexts only through a proxy, here to itself.
            config += """
                view contextview included .1.3.6.1.2.1.1
                createUser \(contextUser) SHA "\(authPassword)" AES "\(privPassword)"
                rouser \(contextUser) priv -V contextview \(contextName)
                proxy -Cn \(contextName) -v 2c -c \(community) 127.0.0.1:\(port) .1.3.6.1.2.1.1

                """
            config += extraConfiguration + "\n"
            // Another process may take the port first: then snmpd does not answer, and we try another.
            if let agent = try? await NetSNMPAgent.start(
                configuration: config, port: port, alsoIPv6Loopback: ipv6, directory: directory, probeCommunity: community)
            {
                return SNMPDaemon(port: port, ipv6: ipv6, directory: directory, agent: agent)
            }
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("snmpd.log"), encoding: .utf8)) ?? ""
        throw DaemonError(message: "snmpd did not start answering; its log:\n\(log)")
    }

    /// A v3 user of the configuration.
    public struct ConfiguredUser: Sendable {
        /// The user name.
        public var name: String
        /// The authentication protocol as net-snmp names it (`MD5`, `SHA`, …), empty for none.
        public var auth: String
        /// The privacy protocol as net-snmp names it (`DES`, `AES`, `AES-256-C`, …), empty for none.
        public var priv: String

        /// Creates a user description.
        public init(name: String, auth: String, priv: String) {
            self.name = name
            self.auth = auth
            self.priv = priv
        }
    }

    /// The user who may read only in ``contextName``.
    public static let contextUser = "contextuser"
    /// The context name that ``contextUser`` must use.
    public static let contextName = "testcontext"

    /// Every authentication protocol and every privacy protocol of net-snmp 5.9.3 (Debian 12):
    /// MD5, SHA, SHA-224/256/384/512 × none, DES, AES, AES-192/256 (Blumenthal key extension)
    /// and AES-192-C/256-C (Cisco/Reeder), in combinations that need the key extension (a hash
    /// shorter than the AES key) and that do not.
    public static let usersInConfig: [ConfiguredUser] = [
        ConfiguredUser(name: "md5user", auth: "MD5", priv: ""),
        ConfiguredUser(name: "shauser", auth: "SHA", priv: ""),
        ConfiguredUser(name: "sha224user", auth: "SHA-224", priv: ""),
        ConfiguredUser(name: "sha256user", auth: "SHA-256", priv: ""),
        ConfiguredUser(name: "sha384user", auth: "SHA-384", priv: ""),
        ConfiguredUser(name: "sha512user", auth: "SHA-512", priv: ""),
        ConfiguredUser(name: "md5des", auth: "MD5", priv: "DES"),
        ConfiguredUser(name: "shades", auth: "SHA", priv: "DES"),
        ConfiguredUser(name: "sha256des", auth: "SHA-256", priv: "DES"),
        ConfiguredUser(name: "md5aes", auth: "MD5", priv: "AES"),
        ConfiguredUser(name: "shaaes", auth: "SHA", priv: "AES"),
        ConfiguredUser(name: "sha224aes", auth: "SHA-224", priv: "AES"),
        ConfiguredUser(name: "sha256aes", auth: "SHA-256", priv: "AES"),
        ConfiguredUser(name: "sha384aes", auth: "SHA-384", priv: "AES"),
        ConfiguredUser(name: "md5aes192", auth: "MD5", priv: "AES-192"),
        ConfiguredUser(name: "shaaes192", auth: "SHA", priv: "AES-192"),
        ConfiguredUser(name: "md5aes256", auth: "MD5", priv: "AES-256"),
        ConfiguredUser(name: "sha224aes256", auth: "SHA-224", priv: "AES-256"),
        ConfiguredUser(name: "sha256aes256", auth: "SHA-256", priv: "AES-256"),
        ConfiguredUser(name: "sha512aes256", auth: "SHA-512", priv: "AES-256"),
        ConfiguredUser(name: "md5aes192c", auth: "MD5", priv: "AES-192-C"),
        ConfiguredUser(name: "shaaes192c", auth: "SHA", priv: "AES-192-C"),
        ConfiguredUser(name: "shaaes256c", auth: "SHA", priv: "AES-256-C"),
        ConfiguredUser(name: "sha224aes256c", auth: "SHA-224", priv: "AES-256-C"),
        ConfiguredUser(name: "sha384aes192c", auth: "SHA-384", priv: "AES-192-C"),
        ConfiguredUser(name: "sha512aes256c", auth: "SHA-512", priv: "AES-256-C"),
    ]

    /// A target for this agent; three attempts of 2 s by default, because a test run starts many
    /// agents at once on a small machine and one may be slow to answer for a moment.
    public func target(_ credentials: SNMPCredentials, host: String = "127.0.0.1", timeout: Duration = .seconds(2), retries: Int = 2) -> SNMPTarget {
        SNMPTarget(host: host, port: port, credentials: credentials, timeout: timeout, retries: retries)
    }

    /// A v2c target with the community `public`.
    public var v2c: SNMPTarget { target(.v2c(community: Self.community)) }
    /// A v1 target with the community `public`.
    public var v1: SNMPTarget { target(.v1(community: Self.community)) }

    /// Credentials for a user of `usersInConfig` (or ``contextUser``, with ``contextName``).
    public static func v3(_ name: String) -> SNMPCredentials {
        if name == contextUser {
            return .v3(
                SNMPv3User(
                    userName: name, authentication: .init(protocol: .sha1, password: authPassword),
                    privacy: .init(protocol: .aes128, password: privPassword), contextName: contextName))
        }
        guard let user = usersInConfig.first(where: { $0.name == name }) else {
            return .v3(SNMPv3User(userName: name))
        }
        return .v3(
            SNMPv3User(
                userName: name,
                authentication: SNMPAuthProtocol(name: user.auth).map { .init(protocol: $0, password: authPassword) },
                privacy: SNMPPrivProtocol(name: user.priv).map { .init(protocol: $0, password: privPassword) }
            )
        )
    }

    /// Runs one of net-snmp's command-line tools against this agent and returns its output
    /// (waiting without holding a thread of the pool, which a loaded test run needs).
    public func runTool(_ tool: String, _ arguments: [String]) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["MIBS"] = ""
        environment["SNMP_PERSISTENT_DIR"] = directory.appendingPathComponent("tool-persist").path
        let output = directory.appendingPathComponent("\(tool)-\(UUID().uuidString).out")
        let child = try ChildProcess.spawn("/usr/bin/\(tool)", arguments, environment: environment, output: .file(output.path), error: .discard)
        await child.waitForExit()
        return try String(contentsOf: output, encoding: .utf8)
    }

    /// Stops the agent and returns what it saved in its persistent snmpd.conf: among others one
    /// `usmUser` line per user with its localised (and extended) keys, for cross-checks.
    public func stopReturningPersistentState() throws -> String {
        stop(removeFiles: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try String(contentsOf: directory.appendingPathComponent("persist/snmpd.conf"), encoding: .utf8)
    }

    /// Stops the agent and removes its directory (kept with `removeFiles: false`, for its log).
    public func stop(removeFiles: Bool = true) {
        agent.stop(removeFiles: removeFiles)
    }

    /// snmpd is missing or did not start.
    public struct DaemonError: Error, CustomStringConvertible {
        /// What went wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }
}
