/// A JSON value as it was written: numbers keep their literal text, objects keep their key order.
///
/// This is the one value model of the project. Sources, the wire, SQLite reads and the normalizer all speak
/// it; the catalog's ``ColumnType`` says how a value is to be read. Numbers are kept as text because the
/// contract compares exact decimals, and a `Double` would already have rounded them.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the JSON kind, for messages: "null", "boolean", "number", "string", "array", "object".
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// A JSON number literal, exactly as written (`1.10`, `7.01863e-06`).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let literal: String

    /// Wraps a literal; callers guarantee JSON number syntax (the parser and ``init(_:)-(Int)`` do).
    public init(literal: String) { self.literal = literal }
    public init(_ value: Int) { self.literal = String(value) }
    public init(_ value: Int64) { self.literal = String(value) }

    public var description: String { literal }

    /// The value as an `Int64` when the literal is a plain integer in range.
    public var int64Value: Int64? { Int64(literal) }

    /// The value as the `Double` the app computes with, when it holds it: `nil` for a literal that is not a
    /// number, one beyond `Double`'s range (`1e400` would be infinite) and a non-zero one too small for it
    /// (`1e-400` would be 0). Rounding to the nearest `Double` is not a failure: that is what reading a
    /// decimal into a `Double` means.
    public var finiteDoubleValue: Double? {
        guard let value = Double(literal), value.isFinite else { return nil }
        if value == 0, let exact = ExactDecimal(literal), !exact.digits.isEmpty { return nil }
        return value
    }
}

/// A JSON object with its keys in the order they were written. Keys are unique (the parser rejects
/// duplicates).
public struct JSONObject: Sendable, Hashable, Sequence {
    public struct Member: Sendable, Hashable {
        public let key: String
        public let value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init(_ members: [Member] = []) { self.members = members }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    public var count: Int { members.count }
    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue {
                    members[index] = Member(key: key, value: newValue)
                } else {
                    members.remove(at: index)
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}

// Deliberately not ExpressibleByNilLiteral: `nil` must always mean "absent" (Optional.none), never JSON null.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
