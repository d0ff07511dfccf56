import Foundation
import GRDB
import ReferenceCatalog

/// Writes source tables into SQLite and reads them back as ``ReferenceTable``s, column by column as the
/// catalog types say.
enum SQLiteTableCodec {
    /// Identifies the catalog a store was built for: a store from another catalog is re-imported.
    static let catalogFingerprint: String = {
        var hasher = ContentHasher()
        for spec in ReferenceCatalog.tables {
            hasher.combine(Array(spec.name.utf8))
            for column in spec.columns {
                hasher.combine(Array("\(column.name):\(column.type):\(column.isNullable)".utf8))
            }
        }
        return hasher.hexDigest
    }()

    static func sqliteType(_ type: ColumnType) -> String {
        switch type {
        case .integer, .smallint, .boolean: "INTEGER"
        case .text, .numeric, .textArray, .jsonObject: "TEXT"
        }
    }

    static func write(_ table: SourceTable, into db: Database) throws {
        let spec = table.spec
        let columns = spec.columns.map { "\"\($0.name)\" \(sqliteType($0.type))\($0.isNullable ? "" : " NOT NULL")" }
        let key = spec.primaryKey.map { "\"\($0)\"" }.joined(separator: ", ")
        try db.execute(sql: "CREATE TABLE \"\(spec.name)\" (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key)))")
        let placeholders = Array(repeating: "?", count: spec.columns.count).joined(separator: ", ")
        let statement = try db.makeStatement(sql: "INSERT INTO \"\(spec.name)\" VALUES (\(placeholders))")
        for row in table.rows {
            let values: [(any DatabaseValueConvertible)?] = zip(row, spec.columns).map { value, column in
                databaseValue(value, type: column.type)
            }
            try statement.execute(arguments: StatementArguments(values))
        }
    }

    static func databaseValue(_ value: JSONValue, type: ColumnType) -> (any DatabaseValueConvertible)? {
        switch value {
        case .null: nil
        case .bool(let flag): flag ? 1 : 0
        case .number(let number):
            switch type {
            case .integer, .smallint: number.int64Value
            default: number.literal  // exact decimal, kept as text
            }
        case .string(let text): text
        case .array, .object: JSONWriter().string(value)
        }
    }

    /// Reads a table in primary-key order (SQLite compares TEXT with BINARY collation: UTF-8 byte order).
    static func read(_ spec: TableSpec, from db: Database) throws -> ReferenceTable {
        let columns = spec.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let order = spec.primaryKey.map { "\"\($0)\"" }.joined(separator: ", ")
        var rows: [ReferenceRow] = []
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \"\(spec.name)\" ORDER BY \(order)")
        while let row = try cursor.next() {
            var values: [JSONValue?] = []
            values.reserveCapacity(spec.columns.count)
            for (position, column) in spec.columns.enumerated() {
                values.append(try decode(row[position] as DatabaseValue, column: column, table: spec.name))
            }
            rows.append(ReferenceRow(values: values))
        }
        return ReferenceTable(spec: spec, rows: rows)
    }

    static func decode(_ value: DatabaseValue, column: ColumnSpec, table: String) throws -> JSONValue {
        switch value.storage {
        case .null:
            return .null
        case .int64(let integer):
            switch column.type {
            case .boolean: return .bool(integer != 0)
            default: return .number(JSONNumber(integer))
            }
        case .double(let double):
            // A binary double (an older store, or a REAL column): its shortest round-trip decimal.
            return .number(JSONNumber(literal: "\(double)"))
        case .string(let text):
            switch column.type {
            case .numeric: return .number(JSONNumber(literal: text))
            case .textArray, .jsonObject:
                do {
                    return try JSONParser.parse(text)
                } catch {
                    throw ReferenceProviderError.localStore(
                        path: table, reason: "column \(column.name) holds invalid JSON: \(error)")
                }
            default: return .string(text)
            }
        case .blob:
            throw ReferenceProviderError.localStore(path: table, reason: "column \(column.name) holds a BLOB")
        }
    }
}
