/// Decoding ``JSONValue`` details into a bot's own `Decodable` types.
extension JSONValue {
    /// Decodes this value as `T`, tolerating numbers sent as strings and the reverse.
    ///
    /// The web UI stores numbers typed into forms as strings (`"3"`, `"1.0"`), so a field declared
    /// `Int` or `Double` accepts `3`, `"3"` and `" 3 "`; a field declared `String` accepts a number too.
    /// Errors name the offending key path.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try LenientJSONDecoder.decode(T.self, from: self, codingPath: [])
    }
}

/// A `Decoder` over a ``JSONValue`` that coerces between numbers and numeric strings.
struct LenientJSONDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Decodes `T`, passing a ``JSONValue`` through as it is (its own `init(from:)` would coerce).
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, codingPath: [any CodingKey]) throws -> T {
        if let value = value as? T { return value }
        return try T(from: LenientJSONDecoder(value: value, codingPath: codingPath))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self,
                .init(codingPath: codingPath, debugDescription: "expected an object, found \(value.kindDescription)"))
        }
        return KeyedDecodingContainer(KeyedContainer(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else {
            throw DecodingError.typeMismatch(
                [JSONValue].self,
                .init(codingPath: codingPath, debugDescription: "expected an array, found \(value.kindDescription)"))
        }
        return UnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(value: value, codingPath: codingPath)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        func child(_ key: Key) throws -> JSONValue {
            guard let value = object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing key '\(key.stringValue)'"))
            }
            return value
        }

        /// A missing key, `null` and an empty string (an empty form field) all mean "not set".
        func decodeNil(forKey key: Key) throws -> Bool {
            let value = object[key.stringValue] ?? .null
            return value == .null || value == .string("")
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try LenientJSONDecoder.decode(T.self, from: child(key), codingPath: codingPath + [key])
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = object[key.stringValue], try !decodeNil(forKey: key) else { return nil }
            return try LenientJSONDecoder.decode(T.self, from: value, codingPath: codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try LenientJSONDecoder(value: child(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try LenientJSONDecoder(value: child(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            LenientJSONDecoder(value: .object(object), codingPath: codingPath)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            LenientJSONDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let array: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        init(array: [JSONValue], codingPath: [any CodingKey]) {
            self.array = array
            self.codingPath = codingPath
        }

        mutating func next() throws -> LenientJSONDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    JSONValue.self, .init(codingPath: codingPath, debugDescription: "the array has only \(array.count) elements"))
            }
            defer { currentIndex += 1 }
            return LenientJSONDecoder(value: array[currentIndex], codingPath: codingPath + [IndexKey(intValue: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, array[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = try next()
            return try LenientJSONDecoder.decode(T.self, from: decoder.value, codingPath: decoder.codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            try next()
        }
    }

    struct SingleContainer: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { value == .null }

        func mismatch<T>(_ type: T.Type) -> DecodingError {
            .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(T.self), found \(value.kindDescription)"))
        }

        func decode(_ type: Bool.Type) throws -> Bool {
            switch value {
            case .bool(let bool): return bool
            case .number(let number) where number == 0 || number == 1: return number == 1
            case .string(let string):
                switch string.trimmingWhitespace().lowercased() {
                case "true", "1", "yes", "on": return true
                case "false", "0", "no", "off": return false
                default: throw mismatch(type)
                }
            default: throw mismatch(type)
            }
        }

        func decode(_ type: String.Type) throws -> String {
            switch value {
            case .string(let string): return string
            case .number(let number):
                return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            case .bool(let bool): return String(bool)
            default: throw mismatch(type)
            }
        }

        func decode(_ type: Double.Type) throws -> Double {
            guard let number = value.numberValue, number.isFinite else { throw mismatch(type) }
            return number
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

        func decodeInteger<T: BinaryInteger & FixedWidthInteger>(_ type: T.Type) throws -> T {
            if case .string(let string) = value, let exact = T(string.trimmingWhitespace()) { return exact }
            let number = try decode(Double.self)
            guard number.rounded() == number, let exact = T(exactly: number) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "expected a whole number that fits \(T.self), found \(value.kindDescription)"))
            }
            return exact
        }

        func decode(_ type: Int.Type) throws -> Int { try decodeInteger(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(type) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try LenientJSONDecoder.decode(T.self, from: value, codingPath: codingPath)
        }
    }

    struct IndexKey: CodingKey {
        var stringValue: String { String(intValue ?? 0) }
        var intValue: Int?
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }
}

extension JSONValue {
    /// A short description of the value for error messages: `the string "abc"`, `a number`, ….
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let bool): return "the boolean \(bool)"
        case .number(let number): return "the number \(number)"
        case .string(let string): return "the string \"\(string.prefix(60))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
