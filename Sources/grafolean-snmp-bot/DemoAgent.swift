import Foundation
import ProcessSupport

/// `--demo`'s agent: net-snmp's snmpd on a free loopback port, with its files in a temporary
/// directory, serving the host's interfaces and two made-up lm-sensors temperatures.
struct DemoAgent {
    /// snmpd is missing or did not start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let configuration = """
        rocommunity public 127.0.0.1
        override 1.3.6.1.4.1.2021.13.16.2.1.2.1 octet_str "Core 0"
        override 1.3.6.1.4.1.2021.13.16.2.1.3.1 unsigned 45000
        override 1.3.6.1.4.1.2021.13.16.2.1.2.2 octet_str "Core 1"
        override 1.3.6.1.4.1.2021.13.16.2.1.3.2 unsigned 47500
        """

    private let agent: NetSNMPAgent

    /// The UDP port snmpd listens on (127.0.0.1).
    var port: Int { agent.port }

    /// Starts snmpd and waits until it answers.
    static func start() async throws -> DemoAgent {
        guard NetSNMPAgent.executable != nil else {
            throw Failure(description: "the demo needs \(NetSNMPAgent.notInstalled); it is started on a free loopback port, nothing else is touched")
        }
        do {
            return DemoAgent(agent: try await NetSNMPAgent.start(configuration: configuration))
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    /// Stops snmpd and removes its files.
    func stop() {
        agent.stop()
    }
}
