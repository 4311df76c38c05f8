import Synchronization

/// Authentication and privacy keys localised to one authoritative engine.
struct LocalizedKeys: Hashable, Sendable {
    var authentication: [UInt8]
    var privacy: [UInt8]?
}

/// Caches derived USM keys: password-to-key costs a 1 MiB hash, which a bot polling thousands
/// of devices with the same credentials must not repeat for every request.
final class USMKeyStore: Sendable {
    private struct MasterKeyID: Hashable {
        var authProtocol: SNMPAuthProtocol
        var password: String
    }

    private struct LocalKeyID: Hashable {
        var master: MasterKeyID
        var engineID: [UInt8]
    }

    /// Beyond this many entries a cache is cleared rather than grown (bounded memory).
    static let maximumEntries = 50_000

    private let masterKeys = Mutex<[MasterKeyID: [UInt8]]>([:])
    private let localKeys = Mutex<[LocalKeyID: [UInt8]]>([:])

    init() {}

    /// The keys of `user` localised to `engineID`, or nil for noAuthNoPriv.
    func keys(for user: SNMPv3User, engineID: [UInt8]) -> LocalizedKeys? {
        guard let authentication = user.authentication else { return nil }
        let authKey = localizedKey(authentication.protocol, password: authentication.password, engineID: engineID)
        // RFC 3826 §1.2: the privacy key is derived with the authentication protocol's hash.
        let privKey = user.privacy.map {
            localizedKey(authentication.protocol, password: $0.password, engineID: engineID)
        }
        return LocalizedKeys(authentication: authKey, privacy: privKey)
    }

    func localizedKey(_ authProtocol: SNMPAuthProtocol, password: String, engineID: [UInt8]) -> [UInt8] {
        let master = MasterKeyID(authProtocol: authProtocol, password: password)
        let localID = LocalKeyID(master: master, engineID: engineID)
        if let cached = localKeys.withLock({ $0[localID] }) {
            return cached
        }
        let masterKey: [UInt8]
        if let cached = masterKeys.withLock({ $0[master] }) {
            masterKey = cached
        } else {
            // Derived outside the lock: it takes milliseconds.
            masterKey = authProtocol.passwordToKey(Array(password.utf8))
            masterKeys.withLock { Self.insert(masterKey, for: master, into: &$0) }
        }
        let localKey = authProtocol.localize(masterKey, engineID: engineID)
        localKeys.withLock { Self.insert(localKey, for: localID, into: &$0) }
        return localKey
    }

    private static func insert<Key: Hashable>(_ value: [UInt8], for key: Key, into cache: inout [Key: [UInt8]]) {
        if cache.count >= maximumEntries {
            cache.removeAll(keepingCapacity: true)
        }
        cache[key] = value
    }
}
