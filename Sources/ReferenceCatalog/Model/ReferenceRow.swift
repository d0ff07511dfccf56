/// One row of a reference table as a provider delivers it: the catalog's columns in order (`nil` where the
/// key was absent), the system columns when the source carries them, and any keys the catalog does not know
/// (kept so that the differ can report them rather than lose them).
public struct ReferenceRow: Sendable, Hashable {
    public var values: [JSONValue?]
    public var sourceType: String?
    public var isActive: Bool?
    public var extra: JSONObject

    public init(
        values: [JSONValue?], sourceType: String? = nil, isActive: Bool? = nil, extra: JSONObject = JSONObject()
    ) {
        self.values = values
        self.sourceType = sourceType
        self.isActive = isActive
        self.extra = extra
    }

    /// Reads a row object of the API's shape (snake_case catalog columns, plus `source_type` and
    /// `is_active` when present).
    public init(object: JSONObject, spec: TableSpec) {
        var values = [JSONValue?](repeating: nil, count: spec.columns.count)
        var extra = JSONObject()
        var sourceType: String?
        var isActive: Bool?
        for member in object {
            if let position = spec.columnIndex[member.key] {
                values[position] = member.value
            } else if member.key == "source_type", case .string(let text) = member.value {
                sourceType = text
            } else if member.key == "is_active", case .bool(let flag) = member.value {
                isActive = flag
            } else {
                extra.append(member.key, member.value)
            }
        }
        self.init(values: values, sourceType: sourceType, isActive: isActive, extra: extra)
    }

    /// The row as an API row object: catalog columns in catalog order (absent keys left out), then
    /// `source_type` and `is_active` when known, then the extra keys.
    public func object(spec: TableSpec) -> JSONObject {
        var object = JSONObject()
        for (position, column) in spec.columns.enumerated() {
            if let value = values[position] { object.append(column.name, value) }
        }
        if let sourceType { object.append("source_type", .string(sourceType)) }
        if let isActive { object.append("is_active", .bool(isActive)) }
        for member in extra { object.append(member.key, member.value) }
        return object
    }

    public subscript(column: String, in spec: TableSpec) -> JSONValue? {
        spec.columnIndex[column].flatMap { values[$0] }
    }
}

/// One table's rows.
public struct ReferenceTable: Sendable, Hashable {
    public let spec: TableSpec
    public var rows: [ReferenceRow]

    public init(spec: TableSpec, rows: [ReferenceRow]) {
        self.spec = spec
        self.rows = rows
    }

    public var name: String { spec.name }
}

/// What `getBootstrap` returns, from either provider: the API's wrapper as typed values.
public struct ReferenceBootstrap: Sendable, Hashable {
    /// The schema's (migrations') version; `nil` for the local provider, which has no migrations.
    public var schemaVersion: Int?
    /// The data's version: an opaque token.
    public var referenceVersion: String
    /// When the document was generated (RFC 3339), if known.
    public var generatedAt: String?
    /// Tables by name.
    public var tables: [String: ReferenceTable]

    public init(schemaVersion: Int?, referenceVersion: String, generatedAt: String?, tables: [String: ReferenceTable]) {
        self.schemaVersion = schemaVersion
        self.referenceVersion = referenceVersion
        self.generatedAt = generatedAt
        self.tables = tables
    }
}
