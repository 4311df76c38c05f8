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

    private struct PrivacyKeyID: Hashable {
        var local: LocalKeyID
        var `protocol`: SNMPPrivProtocol
    }

    /// Beyond this many entries a cache is cleared rather than grown (bounded memory).
    static let maximumEntries = 50_000

    private let masterKeys = Mutex<[MasterKeyID: [UInt8]]>([:])
    private let localKeys = Mutex<[LocalKeyID: [UInt8]]>([:])
    private let privacyKeys = Mutex<[PrivacyKeyID: [UInt8]]>([:])

    init() {}

    /// The keys of `user` localised to `engineID`, or nil for noAuthNoPriv.
    func keys(for user: SNMPv3User, engineID: [UInt8]) -> LocalizedKeys? {
        guard let authentication = user.authentication else { return nil }
        let authKey = localizedKey(authentication.protocol, password: authentication.password, engineID: engineID)
        // RFC 3826 §1.2: the privacy key is derived with the authentication protocol's hash.
        let privKey = user.privacy.map {
            privacyKey($0, authProtocol: authentication.protocol, engineID: engineID)
        }
        return LocalizedKeys(authentication: authKey, privacy: privKey)
    }

    /// The localised privacy key, extended to the cipher's key length (AES-192/256).
    func privacyKey(_ privacy: SNMPv3User.Privacy, authProtocol: SNMPAuthProtocol, engineID: [UInt8]) -> [UInt8] {
        let localized = localizedKey(authProtocol, password: privacy.password, engineID: engineID)
        guard localized.count < privacy.protocol.keyLength else { return Array(localized.prefix(privacy.protocol.keyLength)) }
        let id = PrivacyKeyID(local: LocalKeyID(master: MasterKeyID(authProtocol: authProtocol, password: privacy.password), engineID: engineID), protocol: privacy.protocol)
        if let cached = privacyKeys.withLock({ $0[id] }) {
            return cached
        }
        // The Reeder extension hashes another megabyte: worth caching too.
        let key = privacy.protocol.privacyKey(localized: localized, authProtocol: authProtocol, engineID: engineID)
        privacyKeys.withLock { Self.insert(key, for: id, into: &$0) }
        return key
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
