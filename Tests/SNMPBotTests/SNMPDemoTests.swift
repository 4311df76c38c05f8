import Foundation
import ProcessSupport
import SNMPTestSupport
import Testing

/// `grafolean-snmp-bot --demo`, the built executable as the README runs it, with its own snmpd.
@Suite("The SNMP bot's demo", .timeLimit(.minutes(3)), .enabled(if: SNMPDaemon.isInstalled, "snmpd not installed: apt-get install snmpd snmp"))
struct SNMPDemoTests {
    @Test func theDemoPollsTheAgentAndStopsOnCtrlC() async throws {
        let executable = ChildProcess.builtProduct("grafolean-snmp-bot")
        try #require(FileManager.default.isExecutableFile(atPath: executable), "grafolean-snmp-bot was not built next to the tests: \(executable)")
        // Traffic rates come from the second run on: their lines show that two polls went through.
        let (output, errors, shown, termination) = try await ChildProcess.interrupted(executable, ["--demo"], within: .seconds(120)) { text in
            text.contains("if.in-octets.1.lo") && text.contains("if.out-octets.1.lo")
        }
        // Each line is written at once, also to a file or pipe: stdio's buffer would have shown
        // nothing before 4 KiB, and what is looked for is less.
        #expect((shown?.utf8.count ?? .max) < 4_096, "not shown while running:\n\(output)\n\(errors)")
        #expect(output.contains("the bot created"), "\(output)")
        #expect(output.contains("if.in-octets.1.lo") && output.contains("lmsensors.temp.1."), "\(output)")
        #expect(termination?.exitCode == 0, "\(output)\n\(errors)")
        #expect(output.contains("Demo stopped."), "\(output)")
    }
}
