/// The backend's rules for `POST` and `PUT /api/accounts/<A>/values/`, written out step by step
/// in the order the real backend applies them, because the order decides which error a client sees:
///
/// 1. the body must be JSON (else 500);
/// 2. POST: a truthy `t` in any item is refused (400 JSON); every item needs `p` and `v` (else 500);
///    an empty body falls back to the `?p=&v=` query form, else 400 `Missing data`;
/// 3. each item in turn: path, then (PUT) timestamp, then value; the first bad one answers 400
///    `Input validation failed: ...` and nothing is stored;
/// 4. then what the database refuses (500): a boolean value, a value PostgreSQL cannot read, an
///    out-of-range timestamp, a path too long for the index, the same (path, t) twice in a batch.
enum ValuesBatch {
    /// One value ready to store.
    struct Item: Sendable {
        var path: String
        var value: Double
        var time: Double
    }

    /// A value that passed validation (Python's `float()`) but that the database may still refuse.
    private enum DatabaseInput {
        case number(Double)
        case refused
    }

    static func parse(
        method: String, body: [UInt8], target: RequestTarget, contentType: String?, arrival: Double
    ) -> Result<[Item], BackendAnswer> {
        guard let json = try? PyJSONParser.parse(body) else { return .failure(.internalServerError) }
        var pending: [(path: String, time: DatabaseInput, value: DatabaseInput)] = []

        if method == "POST" {
            var data: [(p: PyJSON, v: PyJSON)] = []
            if json.isTruthy {
                // Iterating anything but a list yields items without `.get` (keys, characters) or fails.
                guard case .array(let elements) = json else { return .failure(.internalServerError) }
                for element in elements {
                    guard let item = element.objectValue else { return .failure(.internalServerError) }
                    if item["t"]?.isTruthy == true {
                        return .failure(.detail(400, "Parameter 't' shouldn't be specified with POST"))
                    }
                }
                for element in elements {
                    guard let item = element.objectValue, let p = item["p"], let v = item["v"] else {
                        return .failure(.internalServerError)
                    }
                    data.append((p, v))
                }
            } else if let p = target.value("p"), !p.isEmpty {
                if let t = target.value("t"), !t.isEmpty {
                    return .failure(.detail(400, "Query parameter 't' shouldn't be specified with POST"))
                }
                data.append((.string(p), target.value("v").map(PyJSON.string) ?? .null))
            } else {
                return .failure(.detail(400, "Missing data"))
            }
            let time = DatabaseInput.number(arrival)
            for (p, v) in data {
                let path: String
                switch validatePath(p) {
                case .success(let valid): path = valid
                case .failure(let failure): return failure.answer(contentType)
                }
                switch validateValue(v) {
                case .success(let value): pending.append((path, time, value))
                case .failure(let failure): return failure.answer(contentType)
                }
            }
        } else {
            let elements: [PyJSON]
            switch json {
            case .array(let array): elements = array
            // Iterating an empty dict or string stores nothing; anything else fails on `x['p']`.
            case .object(let object) where object.isEmpty: elements = []
            case .string(let string) where string.isEmpty: elements = []
            default: return .failure(.internalServerError)
            }
            for element in elements {
                guard let item = element.objectValue, let p = item["p"] else { return .failure(.internalServerError) }
                let path: String
                switch validatePath(p) {
                case .success(let valid): path = valid
                case .failure(let failure): return failure.answer(contentType)
                }
                guard let t = item["t"] else { return .failure(.internalServerError) }
                let time: DatabaseInput
                switch validateTimestamp(t) {
                case .success(let valid): time = valid
                case .failure(let failure): return failure.answer(contentType)
                }
                guard let v = item["v"] else { return .failure(.internalServerError) }
                switch validateValue(v) {
                case .success(let value): pending.append((path, time, value))
                case .failure(let failure): return failure.answer(contentType)
                }
            }
        }

        // What the database refuses: the whole batch is one transaction, so nothing is stored.
        var items: [Item] = []
        items.reserveCapacity(pending.count)
        var seen = Set<PathTime>(minimumCapacity: pending.count)
        for (path, time, value) in pending {
            guard case .number(let number) = value, case .number(let rawTime) = time else {
                return .failure(.internalServerError)
            }
            // numeric(16,6): six decimals, at most ten integer digits.
            let micros = (rawTime * 1_000_000).rounded(.toNearestOrAwayFromZero)
            guard micros.isFinite, abs(micros) < 1e16 else { return .failure(.internalServerError) }
            guard seen.insert(PathTime(path: path, micros: Int64(micros))).inserted else {
                return .failure(.internalServerError)
            }
            items.append(Item(path: path, value: number, time: micros / 1_000_000))
        }
        return .success(items)
    }

    private struct PathTime: Hashable {
        var path: String
        var micros: Int64
    }

    /// A validation failure: either a 400 message or a bare 500.
    private enum Failure: Error {
        case invalid(String)
        case internalError

        func answer<T>(_ contentType: String?) -> Result<T, BackendAnswer> {
            switch self {
            case .invalid(let message): .failure(.validationFailed(message, contentType: contentType))
            case .internalError: .failure(.internalServerError)
            }
        }
    }

    /// The path rule: a string (else `.strip()` fails: 500), the path regex, no `system.` prefix,
    /// and short enough for the database's path index.
    private static func validatePath(_ p: PyJSON) -> Result<String, Failure> {
        guard case .string(let path) = p else { return .failure(.internalError) }
        guard PythonSemantics.isValidPath(path) else { return .failure(.invalid("Invalid PathInputValue format: \(path)")) }
        if path.hasPrefix("system.") { return .failure(.invalid("Invalid path - should not start with 'system.'!")) }
        // The regex allows one final newline; the stored path is stripped.
        let stored = String(PythonSemantics.droppingFinalNewline(Substring(path)))
        if PathIndexLimit.exceeds(stored) { return .failure(.internalError) }
        return .success(stored)
    }

    /// The PUT timestamp: numbers as they are (booleans are ints to Python but not to the
    /// database), anything else through the timestamp regex on its `str()`.
    private static func validateTimestamp(_ t: PyJSON) -> Result<DatabaseInput, Failure> {
        switch t {
        case .int(let text): return .success(.number(Double(text) ?? .infinity))
        case .float(let value): return .success(.number(value))
        case .bool: return .success(.refused)
        default:
            let text = PythonSemantics.str(t)
            guard PythonSemantics.isValidTimestampText(text) else {
                return .failure(.invalid("Invalid Timestamp format: \(text)"))
            }
            let number = Double(String(PythonSemantics.droppingFinalNewline(Substring(text)))) ?? .infinity
            return .success(.number(number))
        }
    }

    /// The value rule: Python's `float(v)` must succeed (400 otherwise, quoting `str(v)`); the
    /// database then parses `str(v)` as a number.
    private static func validateValue(_ v: PyJSON) -> Result<DatabaseInput, Failure> {
        switch v {
        case .int(let text):
            // float() of an int beyond the double range raises OverflowError.
            guard let number = Double(text), number.isFinite else {
                return .failure(.invalid("Invalid MeasuredValue format: \(text)"))
            }
            return .success(.number(number))
        case .float(let number):
            return .success(.number(number))
        case .bool:
            return .success(.refused)
        case .string(let text):
            guard PythonSemantics.pythonFloat(text) != nil else {
                return .failure(.invalid("Invalid MeasuredValue format: \(text)"))
            }
            return .success(PythonSemantics.postgresNumeric(text).map(DatabaseInput.number) ?? .refused)
        case .null, .array, .object:
            return .failure(.invalid("Invalid MeasuredValue format: \(PythonSemantics.str(v))"))
        }
    }
}
