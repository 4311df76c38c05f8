import Testing
@testable import ICMPEcho

@Suite("ICMPEchoAddress")
struct AddressTests {
    @Test("parses IPv4 and IPv6 and prints them back", arguments: [
        ("127.0.0.1", "127.0.0.1", ICMPEchoAddress.Family.ipv4),
        (" 192.0.2.10\n", "192.0.2.10", .ipv4),
        ("::1", "::1", .ipv6),
        ("2001:DB8:0:0::1", "2001:db8::1", .ipv6),
    ])
    func parses(text: String, printed: String, family: ICMPEchoAddress.Family) throws {
        let address = try ICMPEchoAddress(text)
        #expect(address.description == printed)
        #expect(address.family == family)
    }

    @Test("rejects what is not an address, naming it", arguments: [
        "", "300.1.2.3", "1.2.3", "localhost", "127.0.0.1/8", "fe80::1%eth0", "1.2.3.4.5", "127.0.0.1\u{0}x",
    ])
    func rejects(text: String) {
        let error = #expect(throws: ICMPEchoError.self) { try ICMPEchoAddress(text) }
        #expect(error?.code == .invalidAddress)
        #expect(error?.message.contains("\"\(text)\"") == true)
    }

    @Test("octet initialiser matches the parser")
    func octets() throws {
        #expect(ICMPEchoAddress(ipv4: 127, 1, 2, 254) == (try ICMPEchoAddress("127.1.2.254")))
        #expect(ICMPEchoAddress(ipv4: 10, 0, 0, 1) != (try ICMPEchoAddress("10.0.0.2")))
    }
}
