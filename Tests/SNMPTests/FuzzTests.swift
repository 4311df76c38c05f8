import Testing

@testable import SNMP

/// SplitMix64: a tiny deterministic generator so every run fuzzes the same inputs.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Decoder fuzzing: hostile packets never trap")
struct FuzzTests {
    private static let users: [SNMPv3User] = [
        SNMPv3User(userName: "noauth"),
        SNMPv3User(userName: "md5user", authentication: .init(protocol: .md5, password: "md5password")),
        SNMPv3User(
            userName: "sha256aes",
            authentication: .init(protocol: .sha256, password: "sha256password"),
            privacy: .init(protocol: .aes128, password: "aespassword")
        ),
    ]

    private struct Tally {
        var decoded = 0
        var rejected = 0
    }

    /// Runs every decoder on one packet; any error must be an `SNMPError`.
    private static func exercise(_ packet: [UInt8], keyStore: USMKeyStore, tally: inout Tally) {
        _ = MessageHeader.peek(packet)
        func attempt(_ body: () throws -> Void) {
            do {
                try body()
                tally.decoded += 1
            } catch is SNMPError {
                tally.rejected += 1
            } catch {
                Issue.record("decoder threw a non-SNMPError: \(error)")
            }
        }
        attempt { _ = try CommunityMessage.decode(packet) }
        attempt { _ = try V3Message.decode(packet) }
        attempt { _ = try ScopedPDU.decode(packet) }
        for user in users {
            attempt { _ = try USMProcessor.decodeIncoming(packet, user: user) { keyStore.keys(for: user, engineID: $0) } }
        }
        // Decrypting garbage must fail cleanly too (wrong key, odd lengths, bad salt).
        attempt {
            _ = try SNMPPrivProtocol.aes128.decrypt(packet, key: Array(repeating: 1, count: 16), boots: 1, time: 2, salt: Array(packet.prefix(8)))
        }
    }

    private static func mutate(_ packet: [UInt8], _ rng: inout SplitMix64, corpus: [[UInt8]]) -> [UInt8] {
        var result = packet
        let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x85, 0xFF, 0x30, 0x02, 0x04, 0x06, 0xA2, 0xA8]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let choice = Int.random(in: 0..<7, using: &rng)
            switch choice {
            case 0 where !result.isEmpty:
                result[Int.random(in: 0..<result.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !result.isEmpty:
                result[Int.random(in: 0..<result.count, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            case 2 where !result.isEmpty:
                result.removeLast(Int.random(in: 1...result.count, using: &rng))
            case 3:
                result.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...result.count, using: &rng))
            case 4 where !result.isEmpty:
                result.remove(at: Int.random(in: 0..<result.count, using: &rng))
            case 5 where result.count > 4:
                // Lengths usually follow tags: make one huge, long-form or indefinite.
                let index = Int.random(in: 1..<result.count, using: &rng)
                result[index] = [0x80, 0x84, 0xFF, 0x7F, 0x00].randomElement(using: &rng) ?? 0
            default:
                if let other = corpus.randomElement(using: &rng), !other.isEmpty, !result.isEmpty {
                    let cut = Int.random(in: 0..<result.count, using: &rng)
                    let from = Int.random(in: 0..<other.count, using: &rng)
                    result = Array(result[..<cut]) + Array(other[from...])
                }
            }
        }
        return result
    }

    /// Random but well-formed-looking BER trees, to get past the outer layers.
    private static func randomTree(_ rng: inout SplitMix64, depth: Int) -> [UInt8] {
        let tags: [UInt8] = [0x30, 0x02, 0x04, 0x05, 0x06, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x80, 0x81, 0x82, 0xA0, 0xA2, 0xA5, 0xA8]
        let tag = tags.randomElement(using: &rng) ?? 0x30
        var contents: [UInt8] = []
        if (tag == 0x30 || tag >= 0xA0) && depth < 20 {
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                contents += randomTree(&rng, depth: depth + 1)
            }
        } else {
            contents = (0..<Int.random(in: 0...10, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        var writer = BERWriter()
        writer.write(tag: tag, contents: contents)
        return writer.bytes
    }

    @Test func mutatedNetSNMPPacketsNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let keyStore = USMKeyStore()
        let corpus = NetSNMPFixtures.allPackets
        var tally = Tally()
        for _ in 0..<30_000 {
            guard let seed = corpus.randomElement(using: &rng) else { continue }
            Self.exercise(Self.mutate(seed, &rng, corpus: corpus), keyStore: keyStore, tally: &tally)
        }
        // Both outcomes must occur, or the fuzzer is not reaching the decoders.
        #expect(tally.decoded > 1_000)
        #expect(tally.rejected > 100_000)
    }

    @Test func randomBytesAndTreesNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        let keyStore = USMKeyStore()
        var tally = Tally()
        for iteration in 0..<30_000 {
            let packet: [UInt8]
            if iteration % 2 == 0 {
                packet = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                packet = Self.randomTree(&rng, depth: 0)
            }
            Self.exercise(packet, keyStore: keyStore, tally: &tally)
        }
        #expect(tally.rejected > 100_000)
    }

    @Test func deeplyNestedAndHugeLengthsAreRejected() {
        let keyStore = USMKeyStore()
        var tally = Tally()
        var nested: [UInt8] = [0x05, 0x00]
        for _ in 0..<5_000 {
            var writer = BERWriter()
            writer.write(tag: 0x30, contents: nested)
            nested = writer.bytes
        }
        Self.exercise(nested, keyStore: keyStore, tally: &tally)
        Self.exercise([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x01], keyStore: keyStore, tally: &tally)
        Self.exercise([0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF], keyStore: keyStore, tally: &tally)
        // Only AES-CFB "decrypts" arbitrary bytes: the two packets long enough for an 8-octet salt.
        #expect(tally.decoded == 2)
    }
}
