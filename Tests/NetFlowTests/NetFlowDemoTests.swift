import Foundation
import ProcessSupport
import Testing

/// `grafolean-netflow-bot --demo`, the built executable as the README runs it.
@Suite("The NetFlow bot's demo", .timeLimit(.minutes(3)))
struct NetFlowDemoTests {
    @Test func theDemoPrintsWindowsWithOneTimestampAndStopsOnCtrlC() async throws {
        let executable = ChildProcess.builtProduct("grafolean-netflow-bot")
        try #require(FileManager.default.isExecutableFile(atPath: executable), "grafolean-netflow-bot was not built next to the tests: \(executable)")
        let (output, errors, shown, termination) = try await ChildProcess.interrupted(executable, ["--demo"], within: .seconds(120)) { text in
            text.components(separatedBy: "window ending").count > 3 && text.contains("proposed a device")
        }
        // Each line is written at once, also to a file or pipe: stdio's buffer would have shown
        // nothing before 4 KiB, and what is looked for is less.
        #expect((shown?.utf8.count ?? .max) < 4_096, "not shown while running:\n\(output)\n\(errors)")
        let windows = output.split(separator: "\n").filter { $0.contains("window ending") }
        #expect(windows.count >= 3, "\(output)")
        // The router's traffic each window, every value of a window at one timestamp.
        #expect(windows.allSatisfy { $0.contains("router: in ") && $0.contains(", out ") && $0.contains("one timestamp, PUT]") }, "\(output)")
        #expect(output.contains("the bot proposed a device: '127.0.0.2 (NetFlow exporter)'"), "\(output)")
        #expect(termination?.exitCode == 0, "\(output)\n\(errors)")
        #expect(output.contains("Demo stopped."), "\(output)")
    }
}
