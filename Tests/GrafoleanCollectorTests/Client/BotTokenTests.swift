import Testing

@testable import GrafoleanCollector

@Suite("A bot token never prints")
struct BotTokenTests {
    let token = BotToken(" 5e1d0b07-0000-4000-8000-00000000b0a1\n")

    @Test func strippedAndRedacted() {
        #expect(token.secret == "5e1d0b07-0000-4000-8000-00000000b0a1")
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "BotToken(<redacted>)")
        #expect(token.looksValid)
        #expect(!BotToken("not-a-token").looksValid)
    }

    @Test func redactsQueryParametersAndTheTokenItself() {
        let text = "GET http://h/api/profile/?b=5e1d0b07-0000-4000-8000-00000000b0a1 failed; also &b=secret2&x=1 and 5e1d0b07-0000-4000-8000-00000000b0a1"
        let redacted = redactingBotToken(text, token: token)
        #expect(!redacted.contains("5e1d0b07"))
        #expect(!redacted.contains("secret2"))
        #expect(redacted.contains("?b=<redacted>"))
        #expect(redacted.contains("&b=<redacted>&x=1"))
    }
}
