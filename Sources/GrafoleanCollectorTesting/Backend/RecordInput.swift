/// A POSTed or PUT entity, credential or sensor, validated as the backend does: JSON Schema first
/// (with `jsonschema`'s messages and its choice of the most relevant error), then the references
/// (credentials, bots and sensors of the right account and protocol).
struct RecordInput {
    let kind: String
    let body: PyObject
    let contentType: String?

    static func parse(_ kind: String, body: [UInt8], contentType: String?) -> Result<RecordInput, BackendAnswer> {
        guard let json = try? PyJSONParser.parse(body) else { return .failure(.internalServerError) }
        let schema: JSONSchema
        switch kind {
        case "entities": schema = .entity
        case "credentials": schema = .credential
        default: schema = .sensor
        }
        if let message = schema.bestError(for: json) {
            return .failure(.validationFailed(message, contentType: contentType))
        }
        guard case .object(let object) = json else { return .failure(.internalServerError) }
        return .success(RecordInput(kind: kind, body: object, contentType: contentType))
    }

    /// Checks the references and stores the record (a new one, or `existing` updated); returns its id.
    func store(in state: inout BackendState, account: Int, existing: Int?) -> Result<Int, BackendAnswer> {
        guard case .string(let name) = body["name"] else { return .failure(.internalServerError) }
        let details = body["details"] ?? .object(PyObject())
        switch kind {
        case "entities":
            return storeEntity(in: &state, account: account, existing: existing, name: name, details: details)
        case "credentials":
            guard case .string(let protocolName) = body["protocol"] else { return .failure(.internalServerError) }
            if let existing {
                guard var record = state.credentials[existing], record.account == account else {
                    return .failure(.detail(404, "No such credential"))
                }
                record.name = name
                record.protocolName = protocolName
                record.details = details
                state.credentials[existing] = record
                return .success(existing)
            }
            guard state.accounts[account] != nil else { return .failure(.internalServerError) }
            let id = state.newID(nil, in: state.credentials)
            state.credentials[id] = .init(id: id, account: account, name: name, protocolName: protocolName, details: details)
            return .success(id)
        default:
            guard case .string(let protocolName) = body["protocol"] else { return .failure(.internalServerError) }
            let interval: Int?
            switch body["default_interval"] {
            case .int(let text)?: guard let value = Int(text) else { return .failure(.internalServerError) }; interval = value
            case .null?, nil: interval = nil
            default: return .failure(.internalServerError)  // a fraction does not fit the integer column
            }
            if let existing {
                guard var record = state.sensors[existing], record.account == account else {
                    return .failure(.detail(404, "No such sensor"))
                }
                record.name = name
                record.protocolName = protocolName
                record.defaultInterval = interval
                record.details = details
                state.sensors[existing] = record
                return .success(existing)
            }
            guard state.accounts[account] != nil else { return .failure(.internalServerError) }
            let id = state.newID(nil, in: state.sensors)
            state.sensors[id] = .init(
                id: id, account: account, name: name, protocolName: protocolName, defaultInterval: interval, details: details
            )
            return .success(id)
        }
    }

    private func invalid(_ message: String) -> BackendAnswer {
        .validationFailed(message, contentType: contentType)
    }

    /// A reference id as the database takes it: an integer (or the text of one), else 500.
    private static func reference(_ value: PyJSON) -> Int?? {
        switch value {
        case .int(let text): return .some(Int(text) ?? Int.max)
        case .string(let text):
            guard let number = Int(text) else { return .none }
            return .some(number)
        default: return .none
        }
    }

    private func storeEntity(
        in state: inout BackendState, account: Int, existing: Int?, name: String, details: PyJSON
    ) -> Result<Int, BackendAnswer> {
        guard case .string(let entityType) = body["entity_type"] else { return .failure(.internalServerError) }
        var links: (credentials: [Int], bots: [Int], sensors: [BackendState.SensorLink]) = ([], [], [])
        for (protocolName, settings) in (body["protocols"]?.objectValue ?? PyObject()).members {
            guard let settings = settings.objectValue, let credentialValue = settings["credential"],
                let botValue = settings["bot"]
            else { return .failure(.internalServerError) }
            guard let credentialID = Self.reference(credentialValue) else { return .failure(.internalServerError) }
            guard let credentialID, let credential = state.credentials[credentialID], credential.account == account,
                credential.protocolName == protocolName
            else {
                return .failure(invalid("Invalid credential for this account/protocol combination: \(PythonSemantics.str(credentialValue))"))
            }
            guard let botID = Self.reference(botValue) else { return .failure(.internalServerError) }
            guard let botID, let bot = state.bots[botID], bot.account == account || bot.account == nil else {
                return .failure(invalid("Invalid bot for this account: \(PythonSemantics.str(botValue))"))
            }
            guard bot.protocolName == protocolName else {
                return .failure(invalid("Invalid bot for this protocol: \(PythonSemantics.str(botValue))"))
            }
            var sensorLinks: [BackendState.SensorLink] = []
            if case .array(let sensors)? = settings["sensors"] {
                for sensorInfo in sensors {
                    guard let sensorInfo = sensorInfo.objectValue, let sensorValue = sensorInfo["sensor"],
                        let sensorID = Self.reference(sensorValue)
                    else { return .failure(.internalServerError) }
                    guard let sensorID, let sensor = state.sensors[sensorID], sensor.account == account,
                        sensor.protocolName == protocolName
                    else {
                        return .failure(invalid("Invalid sensor for this account/protocol combination: \(PythonSemantics.str(sensorValue))"))
                    }
                    let interval: Int?
                    switch sensorInfo["interval"] {
                    case .int(let text)?: guard let value = Int(text) else { return .failure(.internalServerError) }; interval = value
                    case .null?, nil: interval = nil
                    default: return .failure(.internalServerError)
                    }
                    sensorLinks.append(.init(sensor: sensorID, interval: interval))
                }
            }
            links.credentials.append(credentialID)
            if botValue.isTruthy { links.bots.append(botID) }
            links.sensors += sensorLinks
        }
        if let existing {
            // The backend's UPDATE leaves `parent` as it was.
            guard var record = state.entities[existing], record.account == account else {
                return .failure(.detail(404, "No such entity"))
            }
            record.name = name
            record.entityType = entityType
            record.details = details
            record.credentials = links.credentials
            record.bots = links.bots
            record.sensors = links.sensors
            state.entities[existing] = record
            return .success(existing)
        }
        var parent: Int? = nil
        switch body["parent"] {
        case .int(let text)?:
            // A foreign key: the parent must exist.
            guard let id = Int(text), state.entities[id] != nil else { return .failure(.internalServerError) }
            parent = id
        case .null?, nil: break
        default: return .failure(.internalServerError)
        }
        guard state.accounts[account] != nil else { return .failure(.internalServerError) }
        let id = state.newID(nil, in: state.entities)
        state.entities[id] = .init(
            id: id, account: account, name: name, entityType: entityType, parent: parent, details: details,
            credentials: links.credentials, bots: links.bots, sensors: links.sensors
        )
        return .success(id)
    }
}

/// The subset of JSON Schema the backend's input schemas use, with `jsonschema`'s error messages.
indirect enum JSONSchema: Sendable {
    /// `{"type": [...]}`
    case types([String])
    /// `{"type": "object", "properties": ..., "additionalProperties": ..., "required": [...]}`
    case object(properties: [(String, JSONSchema)], additional: Additional, required: [String])
    /// `{"type": "array", "items": ...}`
    case array(items: JSONSchema)

    enum Additional: Sendable {
        case allowed
        case forbidden
        case schema(JSONSchema)
    }

    private struct Failure {
        let depth: Int
        let isTypeError: Bool
        let message: String
    }

    /// The error `jsonschema.validate` raises (its `best_match`): the shallowest, type errors first,
    /// then the first in schema order; nil when valid.
    func bestError(for instance: PyJSON) -> String? {
        var failures: [Failure] = []
        collect(instance, depth: 0, into: &failures)
        var best: Failure? = nil
        for failure in failures {
            guard let current = best else {
                best = failure
                continue
            }
            if failure.depth < current.depth || (failure.depth == current.depth && failure.isTypeError && !current.isTypeError) {
                best = failure
            }
        }
        return best?.message
    }

    private static func matches(_ instance: PyJSON, type: String) -> Bool {
        switch (type, instance) {
        case ("string", .string), ("null", .null), ("object", .object), ("array", .array), ("boolean", .bool),
            ("number", .int), ("number", .float), ("integer", .int):
            return true
        case ("integer", .float(let value)):
            return value.rounded() == value
        default:
            return false
        }
    }

    private static func typeMessage(_ instance: PyJSON, _ types: [String]) -> String {
        "\(PythonSemantics.repr(instance)) is not of type \(types.map { "'\($0)'" }.joined(separator: ", "))"
    }

    private func collect(_ instance: PyJSON, depth: Int, into failures: inout [Failure]) {
        switch self {
        case .types(let types):
            if !types.contains(where: { Self.matches(instance, type: $0) }) {
                failures.append(Failure(depth: depth, isTypeError: true, message: Self.typeMessage(instance, types)))
            }
        case .array(let items):
            guard case .array(let elements) = instance else {
                failures.append(Failure(depth: depth, isTypeError: true, message: Self.typeMessage(instance, ["array"])))
                return
            }
            for element in elements { items.collect(element, depth: depth + 1, into: &failures) }
        case .object(let properties, let additional, let required):
            guard case .object(let object) = instance else {
                failures.append(Failure(depth: depth, isTypeError: true, message: Self.typeMessage(instance, ["object"])))
                return
            }
            for (name, schema) in properties {
                if let value = object[name] { schema.collect(value, depth: depth + 1, into: &failures) }
            }
            let extras = object.keys.filter { key in !properties.contains { $0.0 == key } }
            switch additional {
            case .allowed:
                break
            case .forbidden:
                if !extras.isEmpty {
                    let listed = extras.sorted().map(PythonSemantics.stringRepr).joined(separator: ", ")
                    failures.append(Failure(
                        depth: depth, isTypeError: false,
                        message: "Additional properties are not allowed (\(listed) \(extras.count == 1 ? "was" : "were") unexpected)"
                    ))
                }
            case .schema(let schema):
                for key in extras { schema.collect(object[key]!, depth: depth + 1, into: &failures) }
            }
            for name in required where object[name] == nil {
                failures.append(Failure(depth: depth, isTypeError: false, message: "\(PythonSemantics.stringRepr(name)) is a required property"))
            }
        }
    }

    /// `EntitySchemaInputs`.
    static let entity = JSONSchema.object(
        properties: [
            ("name", .types(["string"])),
            ("entity_type", .types(["string"])),
            ("parent", .types(["number", "null"])),
            ("details", .types(["object"])),
            ("protocols", .object(
                properties: [],
                additional: .schema(.object(
                    properties: [
                        ("credential", .types(["string", "number"])),
                        ("bot", .types(["string", "number"])),
                        ("sensors", .array(items: .object(
                            properties: [("sensor", .types(["string", "number"])), ("interval", .types(["number", "null"]))],
                            additional: .forbidden,
                            required: ["sensor"]
                        ))),
                    ],
                    additional: .forbidden,
                    required: ["credential", "bot", "sensors"]
                )),
                required: []
            )),
        ],
        additional: .forbidden,
        required: ["name", "entity_type", "details"]
    )

    /// `CredentialSchemaInputs`.
    static let credential = JSONSchema.object(
        properties: [("name", .types(["string"])), ("protocol", .types(["string"])), ("details", .types(["object"]))],
        additional: .forbidden,
        required: ["name", "protocol", "details"]
    )

    /// `SensorSchemaInputs`.
    static let sensor = JSONSchema.object(
        properties: [
            ("name", .types(["string"])),
            ("protocol", .types(["string"])),
            ("default_interval", .types(["number", "null"])),
            ("details", .types(["object"])),
        ],
        additional: .forbidden,
        required: ["name", "protocol", "default_interval", "details"]
    )
}
