import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import Synchronization

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

/// A database's place in streaming replication, as `/health`, `/metrics` and the checklist report it.
public struct Replication: Sendable {
    public let inRecovery: Bool
    public let lagSeconds: Double?
    public let lagBytes: Double?
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

    /// Whether the database is a standby in recovery and, if so, how far its replay is behind: seconds since
    /// the last replayed transaction's commit (nil before one), and WAL bytes received but not yet replayed.
    public func readReplication(logger: Logger) async throws -> Replication {
        let rows = try await query(
            """
            SELECT pg_is_in_recovery(),
                   CASE WHEN pg_is_in_recovery()
                        THEN extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 END,
                   CASE WHEN pg_is_in_recovery()
                        THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 END
            """, logger: logger)
        for try await (inRecovery, seconds, bytes) in rows.decode((Bool, Double?, Double?).self) {
            return Replication(inRecovery: inRecovery, lagSeconds: seconds, lagBytes: bytes)
        }
        return Replication(inRecovery: false, lagSeconds: nil, lagBytes: nil)
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
            let queue = TableQueue()
            let tables = try await readTables(from: queue, logger: logger)
            return TableSnapshot(version: version, generatedAt: RFC3339.now(), tables: queue.ordered(tables))
        }
    }

    /// Reads tables from `queue` until it is empty: the rows of each, by catalog position.
    fileprivate func readTables(from queue: TableQueue, logger: Logger) async throws -> [(Int, ByteBuffer)] {
        var read: [(Int, ByteBuffer)] = []
        while let (position, spec) = queue.next() {
            read.append((position, try await readRowsJSON(spec, includeInactive: false, logger: logger)))
        }
        return read
    }
}

extension PostgresClient {
    /// Reads the version and all 20 tables in one snapshot over two connections of the pool: the first
    /// exports its snapshot (`pg_export_snapshot`), the second imports it (`SET TRANSACTION SNAPSHOT`), so
    /// both see exactly the same data, and each reads the next unread table until none is left. PostgreSQL
    /// builds each table's JSON in one backend; two backends build a large document in a little over half the
    /// time (2.8 s → 1.6 s for 1.33M rows on 2 cores). With `connections` below 2, one connection reads all.
    func readSnapshot(
        readerRole: Bool, connections: Int, metrics: APIMetrics? = nil, logger: Logger
    ) async throws -> TableSnapshot {
        try await withConnection(recordingWaitIn: metrics) { first in
            guard connections >= 2 else { return try await first.readSnapshot(readerRole: readerRole, logger: logger) }
            return try await first.readOnlySnapshot(readerRole: readerRole, logger: logger) {
                let version = try await first.readVersion(logger: logger)
                let snapshot = try await first.exportSnapshot(logger: logger)
                let queue = TableQueue()
                async let helped = withConnection(recordingWaitIn: metrics) { second in
                    try await second.inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger) {
                        try await second.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'", logger: logger)
                        if readerRole { try await second.execute("SET LOCAL ROLE reference_reader", logger: logger) }
                        return try await second.readTables(from: queue, logger: logger)
                    }
                }
                let mine = try await first.readTables(from: queue, logger: logger)
                let tables = queue.ordered(mine + (try await helped))
                return TableSnapshot(version: version, generatedAt: RFC3339.now(), tables: tables)
            }
        }
    }
}

extension PostgresConnection {
    /// `pg_export_snapshot()` of the open transaction: an identifier such as `00000003-0000001B-1`.
    fileprivate func exportSnapshot(logger: Logger) async throws -> String {
        for try await identifier in try await query("SELECT pg_export_snapshot()", logger: logger).decode(String.self) {
            // Only hex digits and dashes: it is written into SET TRANSACTION SNAPSHOT, which takes no parameter.
            guard !identifier.isEmpty, identifier.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { break }
            return identifier
        }
        throw APIError.databaseUnavailable("pg_export_snapshot() returned no usable snapshot identifier")
    }
}

/// The catalog's tables handed out one at a time to the connections reading a snapshot.
private final class TableQueue: Sendable {
    private let nextPosition = Mutex(0)

    func next() -> (Int, TableSpec)? {
        nextPosition.withLock { position in
            guard position < ReferenceCatalog.tables.count else { return nil }
            defer { position += 1 }
            return (position, ReferenceCatalog.tables[position])
        }
    }

    /// The tables read, in catalog order.
    func ordered(_ read: [(Int, ByteBuffer)]) -> [(name: String, rowsJSON: ByteBuffer)] {
        read.sorted { $0.0 < $1.0 }.map { (ReferenceCatalog.tables[$0.0].name, $0.1) }
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
            tables[name] = try rowsJSON.withUnsafeReadableBytes { try BootstrapReader.rows($0, spec: spec) }
        }
        return (snapshot.version.reference.token, tables)
    }
}
