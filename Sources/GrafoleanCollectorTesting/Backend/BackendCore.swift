import Foundation
import Logging
import Synchronization

/// A request as the backend core needs it (independent of the HTTP server).
struct IncomingRequest: Sendable {
    var method: String
    var target: String
    /// Whether any `Authorization` header was sent (its value does not matter: it always fails).
    var hasAuthorization: Bool
    /// The first `Content-Type` header, exactly as sent.
    var contentType: String?
    var body: [UInt8]
}

/// The fake backend's behaviour: authentication, permissions, routing and the handlers, over
/// ``BackendState``. Synchronous and independent of the HTTP server, which only adapts requests
/// and answers (``BackendResponder``).
final class BackendCore: Sendable {
    let state = Mutex(BackendState())
    let now: @Sendable () -> Date
    let logger: Logger

    /// Request bodies beyond this size are refused with 500 (the real backend has no limit; tests
    /// never need this much).
    static let maximumBodySize = 64 * 1024 * 1024

    init(now: @escaping @Sendable () -> Date, logger: Logger) {
        self.now = now
        self.logger = logger
    }

    /// Answers one request, logs and records it; returns the latency to add before answering.
    func handle(_ request: IncomingRequest) -> (answer: BackendAnswer, latency: Duration) {
        let arrival = now().timeIntervalSince1970
        let target = RequestTarget(request.target)
        let (injectedStatus, latency) = state.withLock { state -> (Int?, Duration) in
            guard state.failuresRemaining > 0 else { return (nil, state.latency) }
            state.failuresRemaining -= 1
            return (state.failureStatus, state.latency)
        }
        var bot: Int? = nil
        let answer: BackendAnswer
        if let injectedStatus {
            answer = .injected(status: injectedStatus)
        } else {
            answer = process(request, target: target, arrival: arrival, bot: &bot)
        }
        let record = GrafoleanTestBackend.RecordedRequest(
            method: request.method,
            path: target.rawPath,
            query: target.redactedQuery,
            status: answer.status,
            bot: bot,
            time: arrival,
            bodySize: request.body.count
        )
        state.withLock { $0.requestLog.append(record) }
        logger.debug(
            "\(request.method) \(target.rawPath)\(target.redactedQuery.map { "?" + $0 } ?? "") → \(answer.status)",
            metadata: injectedStatus == nil ? Logger.Metadata?.none : ["injected": "true"]
        )
        return (answer, latency)
    }

    // MARK: Authentication and permissions

    /// The resources every authenticated bot may GET without a permission (measured: the accounts
    /// list, the profile, its permissions and the systemwide bots list).
    private static let resourcesWithoutPermission: Set<String> = ["accounts", "profile", "profile/permissions", "bots"]

    private func process(_ request: IncomingRequest, target: RequestTarget, arrival: Double, bot: inout Int?) -> BackendAnswer {
        let readiness = state.withLock { $0.readiness }
        // The only public endpoint: exactly this method and path.
        if request.method == "GET", target.path == "/api/status/info" {
            return statusInfo(readiness)
        }
        // Any Authorization header is taken for a JWT, which fails: the token in `b` is then ignored.
        if request.hasAuthorization { return .accessDenied }
        guard let token = target.value("b"), PythonSemantics.isWellFormedToken(token) else { return .accessDenied }
        guard readiness == .ready else { return .couldNotValidateAccess }

        let resource = Self.resource(of: target.path)
        let authorization = state.withLock { state -> BackendAnswer? in
            guard let id = state.botIDsByToken[token.lowercased()] else { return .accessDenied }
            bot = id
            state.noteLogin(bot: id, at: arrival)
            if request.method == "GET", Self.resourcesWithoutPermission.contains(resource) { return nil }
            return state.isAccessAllowed(bot: id, resource: resource, method: request.method) ? nil : .forbidden
        }
        if let authorization { return authorization }
        guard let botID = bot else { return .accessDenied }
        return route(request, target: target, bot: botID, arrival: arrival, readiness: readiness)
    }

    /// The permission resource of a path: after `/api/`, without trailing slashes.
    static func resource(of path: String) -> String {
        var resource = Substring(path).dropFirst("/api/".count)
        while resource.hasSuffix("/") { resource = resource.dropLast() }
        return String(resource)
    }

    // MARK: Routing

    private enum RecordKind: String {
        case entities, credentials, sensors

        var parameterName: String {
            switch self {
            case .entities: "entity_id"
            case .credentials: "credential_id"
            case .sensors: "sensor_id"
            }
        }

        var notFoundMessage: String {
            switch self {
            case .entities: "No such entity"
            case .credentials: "No such credential"
            case .sensors: "No such sensor"
            }
        }
    }

    private func route(
        _ request: IncomingRequest, target: RequestTarget, bot: Int, arrival: Double,
        readiness: GrafoleanTestBackend.Readiness
    ) -> BackendAnswer {
        guard target.path.hasPrefix("/api/") else { return .notFound }
        var routePath = Substring(target.path).dropFirst("/api/".count)
        if routePath.hasSuffix("/") { routePath = routePath.dropLast() }
        let segments = routePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !segments.contains(where: \.isEmpty) else { return .notFound }
        let method = request.method

        func allow(_ methods: Set<String>, _ handler: () -> BackendAnswer) -> BackendAnswer {
            methods.contains(method) ? handler() : .methodNotAllowed
        }

        switch segments.count {
        case 1 where segments[0] == "profile":
            return allow(["GET"]) { profile(bot: bot) }
        case 1 where segments[0] == "accounts":
            return allow(["GET"]) { accountsList(bot: bot) }
        case 1 where segments[0] == "bots":
            return allow(["GET"]) { systemwideBots() }
        case 2 where segments == ["status", "info"]:
            return allow(["GET"]) { statusInfo(readiness) }
        case 2 where segments == ["profile", "permissions"]:
            return allow(["GET"]) { state.withLock { .json(200, $0.permissionsJSON(of: bot)) } }
        case 2 where segments[0] == "accounts":
            return allow(["GET"]) {
                guard let account = PythonSemantics.pythonInt(segments[1]) else { return .notAnInteger(["account_id"]) }
                return state.withLock { state in
                    state.accounts[account].map { .json(200, state.accountJSON($0)) } ?? .detail(404, "No such account")
                }
            }
        case 3 where segments[0] == "accounts" && segments[2] == "values":
            return allow(["POST", "PUT"]) {
                guard let account = PythonSemantics.pythonInt(segments[1]) else { return .notAnInteger(["account_id"]) }
                return writeValues(request, target: target, account: account, bot: bot, arrival: arrival)
            }
        case 3 where segments[0] == "accounts":
            guard let collection = RecordKind(rawValue: segments[2]) else { return .notFound }
            return allow(["GET", "POST"]) {
                guard let account = PythonSemantics.pythonInt(segments[1]) else { return .notAnInteger(["account_id"]) }
                return method == "GET"
                    ? list(collection, account: account)
                    : create(collection, account: account, request: request)
            }
        case 4 where segments[0] == "accounts":
            guard let collection = RecordKind(rawValue: segments[2]) else { return .notFound }
            return allow(["GET", "PUT", "DELETE"]) {
                let account = PythonSemantics.pythonInt(segments[1])
                let id = PythonSemantics.pythonInt(segments[3])
                guard let account, let id else {
                    return .notAnInteger((account == nil ? ["account_id"] : []) + (id == nil ? [collection.parameterName] : []))
                }
                switch method {
                case "GET": return read(collection, account: account, id: id)
                case "PUT": return update(collection, account: account, id: id, request: request)
                default: return delete(collection, account: account, id: id)
                }
            }
        default:
            return .notFound
        }
    }

    // MARK: Read handlers

    private func statusInfo(_ readiness: GrafoleanTestBackend.Readiness) -> BackendAnswer {
        if readiness == .databaseDown { return .internalServerError }
        let migrationNeeded = readiness == .migrationNeeded
        return .json(200, .object(PyObject([
            ("alive", .bool(true)),
            ("db_migration_needed", .bool(migrationNeeded)),
            ("db_version", .int(migrationNeeded ? "0" : "30")),
            ("user_exists", migrationNeeded ? .null : .bool(true)),
            ("cors_domains", .array([])),
            ("mqtt_ws_hostname", .string("")),
            ("mqtt_ws_port", .string("")),
            ("enable_signup", .bool(false)),
        ])))
    }

    private func profile(bot: Int) -> BackendAnswer {
        state.withLock { state in
            guard let record = state.bots[bot] else { return .accessDenied }
            return .json(200, .object(PyObject([
                ("user_id", .int(String(bot))),
                ("user_type", .string("bot")),
                ("record", state.botRecordJSON(record)),
            ])))
        }
    }

    private func accountsList(bot: Int) -> BackendAnswer {
        state.withLock { state in
            .json(200, .object(PyObject([("list", .array(state.accountsVisible(to: bot).map(state.accountJSON)))])))
        }
    }

    private func systemwideBots() -> BackendAnswer {
        state.withLock { state in
            let systemwide = state.bots.values.filter { $0.account == nil }
                .sorted { $0.insertTime != $1.insertTime ? $0.insertTime > $1.insertTime : $0.id < $1.id }
            return .json(200, .object(PyObject([("list", .array(systemwide.map { state.botRecordJSON($0, includeConfig: false) }))])))
        }
    }

    private func list(_ collection: RecordKind, account: Int) -> BackendAnswer {
        state.withLock { state in
            let items: [PyJSON]
            switch collection {
            case .entities:
                items = BackendState.sortedIDs(state.entities, account: account, accountOf: \.account)
                    .map { state.entityJSON(state.entities[$0]!) }
            case .credentials:
                items = BackendState.sortedIDs(state.credentials, account: account, accountOf: \.account)
                    .map { state.credentialJSON(state.credentials[$0]!) }
            case .sensors:
                items = BackendState.sortedIDs(state.sensors, account: account, accountOf: \.account)
                    .map { state.sensorJSON(state.sensors[$0]!) }
            }
            return .json(200, .object(PyObject([("list", .array(items))])))
        }
    }

    private func read(_ collection: RecordKind, account: Int, id: Int) -> BackendAnswer {
        state.withLock { state in
            let item: PyJSON?
            switch collection {
            case .entities: item = state.entities[id].flatMap { $0.account == account ? state.entityJSON($0) : nil }
            case .credentials: item = state.credentials[id].flatMap { $0.account == account ? state.credentialJSON($0) : nil }
            case .sensors: item = state.sensors[id].flatMap { $0.account == account ? state.sensorJSON($0) : nil }
            }
            return item.map { .json(200, $0) } ?? .detail(404, collection.notFoundMessage)
        }
    }

    // MARK: Write handlers (entities, credentials, sensors)

    private func create(_ collection: RecordKind, account: Int, request: IncomingRequest) -> BackendAnswer {
        switch RecordInput.parse(collection.rawValue, body: request.body, contentType: request.contentType) {
        case .failure(let answer):
            return answer
        case .success(let input):
            return state.withLock { state in
                switch input.store(in: &state, account: account, existing: nil) {
                case .failure(let answer): return answer
                case .success(let id): return .json(201, .object(PyObject([("id", .int(String(id)))])))
                }
            }
        }
    }

    private func update(_ collection: RecordKind, account: Int, id: Int, request: IncomingRequest) -> BackendAnswer {
        switch RecordInput.parse(collection.rawValue, body: request.body, contentType: request.contentType) {
        case .failure(let answer):
            return answer
        case .success(let input):
            return state.withLock { state in
                switch input.store(in: &state, account: account, existing: id) {
                case .failure(let answer): return answer
                case .success: return .noContent
                }
            }
        }
    }

    private func delete(_ collection: RecordKind, account: Int, id: Int) -> BackendAnswer {
        state.withLock { state in
            let removed: Bool
            switch collection {
            case .entities:
                removed = state.removeEntity(id: id, account: account)
            case .credentials:
                removed = state.credentials[id]?.account == account && state.credentials.removeValue(forKey: id) != nil
            case .sensors:
                removed = state.sensors[id]?.account == account && state.sensors.removeValue(forKey: id) != nil
            }
            return removed ? .noContent : .detail(404, collection.notFoundMessage)
        }
    }

    // MARK: Values

    private func writeValues(_ request: IncomingRequest, target: RequestTarget, account: Int, bot: Int, arrival: Double) -> BackendAnswer {
        let batch = ValuesBatch.parse(
            method: request.method, body: request.body, target: target,
            contentType: request.contentType, arrival: arrival
        )
        switch batch {
        case .failure(let answer):
            return answer
        case .success(let items):
            let received = items.map {
                ReceivedValue(account: account, path: $0.path, value: $0.value, method: request.method, time: $0.time, bot: bot)
            }
            return state.withLock { state in
                // The paths table references the account: a missing account is a database error.
                guard received.isEmpty || state.accounts[account] != nil else { return .internalServerError }
                state.append(received)
                return .noContent
            }
        }
    }
}
