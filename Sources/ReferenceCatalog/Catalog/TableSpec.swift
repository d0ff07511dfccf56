/// One reference table: its columns in contract order, its natural primary key, foreign keys and unique
/// constraints. `is_active` and `source_type` are not listed: every table has them (see
/// ``ReferenceCatalog/systemColumns``) and the JSON source never carries them.
public struct TableSpec: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let columns: [ColumnSpec]
    public let primaryKey: [String]
    public let foreignKeys: [ForeignKey]
    public let uniqueConstraints: [[String]]
    /// Position of each column in ``columns``.
    public let columnIndex: [String: Int]
    /// Positions of the primary-key columns in ``columns``, in key order.
    public let primaryKeyIndices: [Int]

    public init(
        name: String,
        columns: [ColumnSpec],
        primaryKey: [String],
        foreignKeys: [ForeignKey] = [],
        unique: [[String]] = []
    ) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.foreignKeys = foreignKeys
        self.uniqueConstraints = unique
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() {
            precondition(index[column.name] == nil, "duplicate column \(name).\(column.name)")
            index[column.name] = position
        }
        self.columnIndex = index
        self.primaryKeyIndices = primaryKey.map { key in
            guard let position = index[key] else { preconditionFailure("primary key \(name).\(key) is not a column") }
            return position
        }
    }

    public func column(named name: String) -> ColumnSpec? {
        columnIndex[name].map { columns[$0] }
    }

    public var columnNames: [String] { columns.map(\.name) }

    public var description: String { name }

    /// The table's name as the source file is called: `<table>.json`.
    public var sourceFileName: String { "\(name).json" }
}
