/// How the elements of an array column relate to each other.
public enum ArraySemantics: String, Sendable, Hashable {
    /// Order carries meaning (instruction steps, image sequence): compared element by element.
    case ordered
    /// An unordered collection (aliases): compared after sorting; duplicates are kept, never merged.
    case set
}

/// The value type of one column, as the contract fixes it for both stores.
public enum ColumnType: Sendable, Hashable {
    case text
    /// PostgreSQL `integer` (32-bit).
    case integer
    /// PostgreSQL `smallint` (16-bit).
    case smallint
    case boolean
    /// PostgreSQL `numeric` without a declared scale: an exact decimal.
    case numeric
    /// PostgreSQL `text[]`.
    case textArray(ArraySemantics)
    /// PostgreSQL `jsonb` holding a JSON object.
    case jsonObject

    /// The column type as PostgreSQL's `format_type` prints it.
    public var postgresType: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .smallint: "smallint"
        case .boolean: "boolean"
        case .numeric: "numeric"
        case .textArray: "text[]"
        case .jsonObject: "jsonb"
        }
    }

    /// The inclusive range of an integer type, `nil` for the other types.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .smallint: Int64(Int16.min)...Int64(Int16.max)
        default: nil
        }
    }
}

/// One column of a reference table.
public struct ColumnSpec: Sendable, Hashable {
    public let name: String
    public let type: ColumnType
    public let isNullable: Bool
    /// The values a `CHECK (column IN (...))` constraint allows, if any.
    public let allowedValues: [String]?
    /// Whether values must be lowercase kebab-case slugs (`^[a-z0-9]+(-[a-z0-9]+)*$`).
    public let isSlug: Bool
    /// The value used when the source omits the key (only columns with a database default have one).
    public let defaultValue: JSONValue?

    public init(
        _ name: String,
        _ type: ColumnType,
        nullable: Bool = false,
        allowedValues: [String]? = nil,
        slug: Bool = false,
        defaultValue: JSONValue? = nil
    ) {
        self.name = name
        self.type = type
        self.isNullable = nullable
        self.allowedValues = allowedValues
        self.isSlug = slug
        self.defaultValue = defaultValue
    }
}

/// A foreign key: `columns` of the owning table reference `referencedColumns` of `referencedTable`.
/// Every foreign key is `ON UPDATE CASCADE ON DELETE RESTRICT` and has an index leading with its columns.
public struct ForeignKey: Sendable, Hashable {
    public let columns: [String]
    public let referencedTable: String
    public let referencedColumns: [String]

    public init(_ columns: [String], references table: String, _ referencedColumns: [String]) {
        self.columns = columns
        self.referencedTable = table
        self.referencedColumns = referencedColumns
    }
}
