import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// The database side of the API: reads the 20 tables as JSON built by PostgreSQL (exact numerics, arrays and
/// objects as stored), each table's active rows in primary-key byte order.
struct ReferenceQueries: Sendable {
    /// `SELECT` of one table's rows as one JSON array text: catalog columns in catalog order plus
    /// `source_type` (and `is_active` with `includeInactive`), ordered by the key in byte order.
    static func rowsQuery(_ spec: TableSpec, includeInactive: Bool) -> String {
        var columns = spec.columns.map { quoteIdentifier($0.name) }
        columns.append("source_type")
        if includeInactive { columns.append("is_active") }
        let order = spec.primaryKey.map { "r.\(quoteIdentifier($0)) COLLATE \"C\"" }.joined(separator: ", ")
        // row_to_json writes compact JSON with the columns in select order; numeric stays exact.
        return """
            SELECT coalesce('[' || string_agg(row_to_json(r)::text, ',' ORDER BY \(order)) || ']', '[]')
            FROM (SELECT \(columns.joined(separator: ", ")) FROM \(quoteIdentifier(spec.name))\(includeInactive ? "" : " WHERE is_active")) r
            """
    }

    static let versionQuery = """
        SELECT m.version_seq, replace(m.content_id::text, '-', ''), m.last_updated,
               (SELECT coalesce(max(version), 0)::int8 FROM schema_migrations)
        FROM reference_metadata m
        """
}

/// The metadata a response carries.
public struct VersionInfo: Sendable, Hashable {
    public let schemaVersion: Int
    public let reference: ReferenceVersion
}

/// All 20 tables read in one snapshot, as JSON array texts, with the version that describes them.
struct TableSnapshot: Sendable {
    let version: VersionInfo
    let generatedAt: String
    /// Row arrays as JSON text, by table, in catalog order.
    let tables: [(name: String, rowsJSON: ByteBuffer)]
}

extension PostgresConnection {
    /// Runs `body` in a `REPEATABLE READ READ ONLY` transaction as the read-only role (when the connecting
    /// user may take it), so every query sees the same snapshot and nothing can be written.
    func readOnlySnapshot<Result>(
        readerRole: Bool, logger: Logger, _ body: () async throws -> Result
    ) async throws
        -> Result
    {
        try await inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger) {
            if readerRole { try await execute("SET LOCAL ROLE reference_reader", logger: logger) }
            return try await body()
        }
    }

    func readVersion(logger: Logger) async throws -> VersionInfo {
        let rows = try await query(PostgresQuery(unsafeSQL: ReferenceQueries.versionQuery), logger: logger)
        for try await row in rows { return try VersionInfo(row: row) }
        throw APIError.databaseUnavailable("reference_metadata has no row: is the database migrated?")
    }

    /// One table's rows as PostgreSQL wrote the JSON array: the bytes as they arrived, not copied into a
    /// `String` first (hundreds of megabytes for a large table).
    func readRowsJSON(_ spec: TableSpec, includeInactive: Bool, logger: Logger) async throws -> ByteBuffer {
        let rows = try await query(
            PostgresQuery(unsafeSQL: ReferenceQueries.rowsQuery(spec, includeInactive: includeInactive)), logger: logger
        )
        for try await bytes in rows.decode(ByteBuffer.self) { return bytes }
        return ByteBuffer(string: "[]")
    }

    /// Reads the version and all 20 tables in one snapshot.
    func readSnapshot(readerRole: Bool, logger: Logger) async throws -> TableSnapshot {
        try await readOnlySnapshot(readerRole: readerRole, logger: logger) {
            let version = try await readVersion(logger: logger)
            var tables: [(String, ByteBuffer)] = []
            for spec in ReferenceCatalog.tables {
                tables.append((spec.name, try await readRowsJSON(spec, includeInactive: false, logger: logger)))
            }
            return TableSnapshot(version: version, generatedAt: RFC3339.now(), tables: tables)
        }
    }
}

enum RFC3339 {
    static func now() -> String { string(Date()) }

    static func string(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
        .replacingOccurrences(of: "+0000", with: "Z")
    }
}

/// The active rows of the 20 tables as the database holds them, read the way the API reads them (one
/// `REPEATABLE READ READ ONLY` snapshot, PostgreSQL's own JSON, exact numerics) but without the API: for
/// comparing a deployed database with the bundle (`parity-runner checklist --database-url`).
public enum DatabaseRows {
    /// The reference version and every table's active rows (with `source_type`), in key order.
    public static func active(
        on connection: PostgresConnection, logger: Logger
    ) async throws
        -> (referenceVersion: String, tables: [String: ReferenceTable])
    {
        let snapshot = try await connection.readSnapshot(readerRole: false, logger: logger)
        var tables: [String: ReferenceTable] = [:]
        for (name, rowsJSON) in snapshot.tables {
            guard let spec = ReferenceCatalog.table(named: name) else { continue }
            let rows = (try JSONParser.parse(rowsJSON.readableBytesView).arrayValue ?? []).compactMap(\.objectValue)
            tables[name] = ReferenceTable(spec: spec, rows: rows.map { ReferenceRow(object: $0, spec: spec) })
        }
        return (snapshot.version.reference.token, tables)
    }
}
