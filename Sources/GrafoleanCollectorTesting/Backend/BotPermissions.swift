/// The permissions a seeded bot starts with.
public enum BotPermissions: Sendable, Hashable {
    /// What the web UI gives an account bot: `POST,PUT accounts/<A>/values` and `GET` on
    /// `accounts/<A>/entities`, `accounts/<A>/credentials` and `accounts/<A>/sensors`.
    /// For a bot that is not tied to an account this grants nothing.
    case accountDefaults
    /// No permissions, like a bot created through the API: `GET /api/accounts/` is an empty list
    /// and everything per account is 403.
    case none
    /// What Grafolean's default systemwide bots have: `resource_prefix "accounts"`, every method.
    case systemwide
    /// Exactly these permissions.
    case custom([Permission])

    /// One permission: a resource prefix and the methods it allows.
    public struct Permission: Sendable, Hashable {
        /// The permission id; random when nil.
        public var id: Int?
        /// The resource prefix (`accounts/123/values`); nil means every resource.
        public var resourcePrefix: String?
        /// The allowed methods (`["GET"]`); nil means every method.
        public var methods: [String]?

        /// Creates a permission; a trailing `/` of the prefix is dropped, as the backend does.
        public init(id: Int? = nil, resourcePrefix: String?, methods: [String]?) {
            self.id = id
            var prefix = resourcePrefix
            while let current = prefix, current.hasSuffix("/") { prefix = String(current.dropLast()) }
            self.resourcePrefix = prefix
            self.methods = methods
        }
    }

    /// The concrete permissions for a bot tied to `account` (or to none), e.g. to extend the UI's defaults.
    public func resolved(account: Int?) -> [Permission] {
        switch self {
        case .accountDefaults:
            guard let account else { return [] }
            return Self.uiDefaults(account: account)
        case .none:
            return []
        case .systemwide:
            return [Permission(resourcePrefix: "accounts", methods: nil)]
        case .custom(let permissions):
            return permissions
        }
    }

    /// The four permissions the web UI grants, with optional fixed ids (credentials, entities, sensors, values).
    static func uiDefaults(account: Int, ids: [Int?] = [nil, nil, nil, nil]) -> [Permission] {
        [
            Permission(id: ids[0], resourcePrefix: "accounts/\(account)/credentials", methods: ["GET"]),
            Permission(id: ids[1], resourcePrefix: "accounts/\(account)/entities", methods: ["GET"]),
            Permission(id: ids[2], resourcePrefix: "accounts/\(account)/sensors", methods: ["GET"]),
            Permission(id: ids[3], resourcePrefix: "accounts/\(account)/values", methods: ["POST", "PUT"]),
        ]
    }
}
