/// Whether a path is too long for the backend's `(account, path)` B-tree index.
///
/// PostgreSQL refuses index entries over 2704 bytes (the backend then answers 500), but it
/// compresses long entries first (pglz), so a repetitive 100,000-character path is fine while
/// about 2,700 characters of varied text are not. This estimates pglz's output closely enough to
/// draw the same line.
enum PathIndexLimit {
    static func exceeds(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        // Small enough even uncompressed: 8 (tuple header) + 4 (account) + 4 (varlena header).
        guard entrySize(varlena: 4 + bytes.count) > maximumEntrySize else { return false }
        guard let compressed = compressedSize(bytes) else { return true }
        // A compressed varlena has an 8-byte header.
        return entrySize(varlena: 8 + compressed) > maximumEntrySize
    }

    private static let maximumEntrySize = 2704

    private static func entrySize(varlena: Int) -> Int {
        (12 + varlena + 7) / 8 * 8
    }

    /// pglz's compressed size, or nil when it gives up (less than 25% saved, or no match among
    /// the first 1024 bytes).
    static func compressedSize(_ input: [UInt8]) -> Int? {
        let count = input.count
        guard count >= 32 else { return nil }
        let limit = count * 75 / 100
        var positions: [UInt32: [Int]] = [:]
        var index = 0
        var items = 0
        var literalBytes = 0
        var tagBytes = 0
        var foundMatch = false

        func key(_ at: Int) -> UInt32 {
            UInt32(input[at]) << 16 | UInt32(input[at + 1]) << 8 | UInt32(input[at + 2])
        }

        while index < count {
            if !foundMatch, literalBytes + tagBytes + (items + 7) / 8 >= 1024 { return nil }
            var bestLength = 0
            var bestOffset = 0
            if index + 3 <= count, let candidates = positions[key(index)] {
                for start in candidates.reversed() where index - start <= 4095 {
                    var length = 0
                    while length < 273, index + length < count, input[start + length] == input[index + length] {
                        length += 1
                    }
                    if length > bestLength {
                        bestLength = length
                        bestOffset = index - start
                    }
                    if bestLength >= 128 { break }
                }
            }
            let advance: Int
            if bestLength >= 3, bestOffset > 0 {
                foundMatch = true
                tagBytes += bestLength > 17 ? 3 : 2
                advance = bestLength
            } else {
                literalBytes += 1
                advance = 1
            }
            items += 1
            for position in index..<(index + advance) where position + 3 <= count {
                positions[key(position), default: []].append(position)
                if positions[key(position)]!.count > 16 { positions[key(position)]!.removeFirst() }
            }
            index += advance
            if literalBytes + tagBytes + (items + 7) / 8 >= limit { return nil }
        }
        return literalBytes + tagBytes + (items + 7) / 8
    }
}
