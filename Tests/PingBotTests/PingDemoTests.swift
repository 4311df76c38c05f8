import Foundation
import ICMPEchoTestSupport
import ProcessSupport
import Testing

/// `grafolean-ping-bot --demo`, the built executable as the README's first command runs it.
@Suite(
    "The ping bot's demo", .timeLimit(.minutes(3)),
    .enabled(if: TestEnvironment.canOpenRawSockets, "needs root or CAP_NET_RAW to open raw ICMP sockets (CI runs as root)"))
struct PingDemoTests {
    static let devices = ["localhost (127.0.0.1)", "loopback-2 (127.0.0.2)", "loopback-3 (127.0.0.3)", "loopback-4 (127.0.0.4)"]

    @Test func theDemoPingsEveryDeviceAndStopsOnCtrlC() async throws {
        let executable = ChildProcess.builtProduct("grafolean-ping-bot")
        try #require(FileManager.default.isExecutableFile(atPath: executable), "grafolean-ping-bot was not built next to the tests: \(executable)")
        func answered(_ device: String, in text: String) -> Bool {
            text.split(separator: "\n").contains { $0.contains(device) && $0.contains("3/3 replies") && $0.contains("success 100%") }
        }
        let (output, errors, shown, termination) = try await ChildProcess.interrupted(executable, ["--demo"], within: .seconds(120)) { text in
            Self.devices.allSatisfy { answered($0, in: text) }
        }
        // Each line is written at once, also to a file or pipe: stdio's buffer would have shown
        // nothing before 4 KiB, and what is looked for is less.
        #expect((shown?.utf8.count ?? .max) < 4_096, "not shown while running:\n\(output)\n\(errors)")
        for device in Self.devices {
            #expect(answered(device, in: output), "\(device):\n\(output)")
        }
        #expect(termination?.exitCode == 0, "\(output)\n\(errors)")
        #expect(output.contains("Demo stopped."), "\(output)")
    }
}
