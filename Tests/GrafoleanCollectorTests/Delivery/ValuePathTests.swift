import Testing

@testable import GrafoleanCollector

@Suite("ValuePath follows the backend's path rules")
struct ValuePathTests {
    /// Every path the real backend accepted or rejected in the recorded exchanges.
    @Test(arguments: [
        ("a.b.c", true), ("A-b_9.Z", true), ("a.b%2ec", true), ("a.b%3ac", true), ("system", true),
        ("a.b c", false), ("a/b", false), ("a..b", false), ("a.b.", false), ("a.č", false),
        ("a.b%2Ec", false), ("", false), ("system.x", false), (".a", false), ("a.%2", false),
    ])
    func validation(path: String, accepted: Bool) {
        #expect(ValuePath.isValid(path) == accepted, "\(path)")
    }

    @Test func problemsNameWhatIsWrong() throws {
        #expect(try #require(ValuePath.problem(with: "a.b c")).contains("' '"))
        #expect(try #require(ValuePath.problem(with: "a..b")).contains("empty segment"))
        #expect(try #require(ValuePath.problem(with: "system.cpu")).contains("system."))
        #expect(try #require(ValuePath.problem(with: "a.b%2Ec")).contains("%2e"))
        #expect(try #require(ValuePath.problem(with: String(repeating: "p", count: 2_001))).contains("2001"))
        #expect(ValuePath.problem(with: String(repeating: "p", count: 2_000)) == nil)
    }

    @Test(arguments: [
        ("192.0.2.1", "192%2e0%2e2%2e1"), ("fe80::1", "fe80%3a%3a1"), ("eth0/1", "eth0-1"),
        ("Gi 0/0.100", "Gi-0-0%2e100"), ("", "-"), ("čšž", "---"), ("ok_name-1", "ok_name-1"),
    ])
    func segments(text: String, segment: String) {
        #expect(ValuePath.segment(text) == segment)
        #expect(ValuePath.isValid("entity.1.\(ValuePath.segment(text))"))
    }
}
