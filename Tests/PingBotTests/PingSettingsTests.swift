import GrafoleanCollector
import Testing

@testable import PingBot

@Suite("Ping credentials are read as the web UI stores them")
struct PingSettingsTests {
    @Test func stringsFromTheWebUI() throws {
        let settings = try PingSettings(credentialDetails: ["n_packets": "5", "sleep_packets": "0.5", "timeout": "2", "retry": "1"])
        #expect(settings == PingSettings(packets: 5, spacing: 0.5, timeout: 2, retries: 1))
    }

    @Test func numbersAndDefaults() throws {
        // Without a timeout key the reference bot waits 2 s (the web UI's form fills in 1.0).
        #expect(try PingSettings(credentialDetails: ["n_packets": 4]) == PingSettings(packets: 4, spacing: 1, timeout: 2, retries: 0))
        #expect(try PingSettings(credentialDetails: [:]) == PingSettings())
        #expect(try PingSettings(credentialDetails: ["timeout": "", "retry": nil]) == PingSettings())
    }

    /// The web UI's default credential (3 packets 1 s apart, 1 s timeout) may take 3 s: its runs
    /// get 4 s, so on a 1 s interval they overlap and every second delivers (see LongRunOverlapTests).
    @Test func aRunsTimeoutCoversItsPackets() throws {
        let uiDefault = try PingSettings(credentialDetails: ["n_packets": "3", "sleep_packets": "1.0", "timeout": "1.0", "retry": "0"])
        #expect(uiDefault.longestRun == .seconds(4))
        #expect(PingSettings(packets: 2, spacing: 0.5, timeout: 1, retries: 2).longestRun == .milliseconds(4_500))
    }

    static let badFields: [(JSONValue, String, String)] = [
        (["n_packets": "three"], "n_packets", "not a number"),
        (["n_packets": "2.5"], "n_packets", "not a whole number"),
        (["n_packets": "0"], "n_packets", "out of range"),
        (["n_packets": 1000], "n_packets", "out of range"),
        (["sleep_packets": "-1"], "sleep_packets", "out of range"),
        (["timeout": "0"], "timeout", "above 0"),
        (["retry": "11"], "retry", "out of range"),
        (["timeout": [1]], "timeout", "not a number"),
    ]

    @Test(arguments: badFields)
    func badFieldsAreNamed(details: JSONValue, field: String, problem: String) {
        #expect {
            try PingSettings(credentialDetails: details)
        } throws: { error in
            guard let error = error as? PingSettingsError else { return false }
            return error.field == field && error.description.contains(problem)
        }
    }
}
