import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// What `reference-backend migrate --status` reports, read in a `READ ONLY` transaction that changes
/// nothing (not even `schema_migrations`, which a first migration creates): every migration of this build
/// and of the database, each applied, pending, changed (applied with another checksum) or unknown (applied,
/// but not in this build).
public struct MigrationStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case applied, pending, changed, unknown
    }

    public struct Entry: Sendable, Hashable {
        public let version: Int
        public let name: String
        public let state: State
        /// When it was applied (UTC, ISO 8601); nil for a pending one.
        public let appliedAt: String?
    }

    /// In version order.
    public let entries: [Entry]

    /// The highest applied version, 0 when none is.
    public var schemaVersion: Int { entries.filter { $0.state != .pending }.map(\.version).max() ?? 0 }
    /// Every migration of this build applied as it is, and nothing else.
    public var isUpToDate: Bool { entries.allSatisfy { $0.state == .applied } }

    public func count(_ state: State) -> Int { entries.filter { $0.state == state }.count }

    public var text: String {
        let header = ["version", "name", "state", "applied at"]
        let lines =
            [header]
            + entries.map { [String(format: "%04d", $0.version), $0.name, $0.state.rawValue, $0.appliedAt ?? ""] }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        var output = lines.map { line in
            line.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        if isUpToDate {
            output.append("schema is up to date at version \(schemaVersion)")
        } else {
            let counts = [State.pending, .changed, .unknown].compactMap { state in
                count(state) > 0 ? "\(count(state)) \(state.rawValue)" : nil
            }
            output.append("schema version \(schemaVersion): \(counts.joined(separator: ", "))")
        }
        return output.joined(separator: "\n")
    }

    public var json: JSONValue {
        var root = JSONObject()
        root.append("upToDate", .bool(isUpToDate))
        root.append("schemaVersion", .number(JSONNumber(schemaVersion)))
        root.append(
            "migrations",
            .array(
                entries.map { entry in
                    var object = JSONObject()
                    object.append("version", .number(JSONNumber(entry.version)))
                    object.append("name", .string(entry.name))
                    object.append("state", .string(entry.state.rawValue))
                    object.append("appliedAt", entry.appliedAt.map(JSONValue.string) ?? .null)
                    return .object(object)
                }))
        return .object(root)
    }
}

extension Migrator {
    /// The status of the database at `url` against this build's migrations, writing nothing. Its reads are
    /// bounded like a migration's: a lock held on `schema_migrations` is waited for at most ``lockTimeout``.
    public func status(_ url: DatabaseURL) async throws -> MigrationStatus {
        let deadline = ContinuousClock.now + lockTimeout
        return try await url.withConnection(logger: logger) { connection in
            let watch = LockWatch(url: url, logger: logger)
            return try await watch.watching(connection) {
                try await withLockRetries(.bookkeeping, on: connection, deadline: deadline, watch: watch) {
                    try await connection.inTransaction("BEGIN READ ONLY", logger: logger) {
                        try await status(on: connection)
                    }
                }
            }
        }
    }

    private func status(on connection: PostgresConnection) async throws -> MigrationStatus {
        var recorded: [Int: (name: String, checksum: String, appliedAt: String)] = [:]
        do {
            let exists = try await connection.strings(
                "SELECT (to_regclass('schema_migrations') IS NOT NULL)::text", logger: logger)
            if exists == ["true"] {
                let rows = try await connection.query(
                    """
                    SELECT version, name, checksum,
                           to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    FROM schema_migrations ORDER BY version
                    """, logger: logger)
                for try await (version, name, checksum, appliedAt) in rows.decode((Int, String, String, String).self) {
                    recorded[version] = (name, checksum, appliedAt)
                }
            }
        } catch  where postgresSQLState(error) == "55P03" || postgresSQLState(Self.cause(error)) == "55P03" {
            throw LockWaitCancelled(statement: "SELECT ... FROM schema_migrations", line: nil)
        }
        var entries: [MigrationStatus.Entry] = []
        for migration in migrations {
            guard let record = recorded[migration.version] else {
                entries.append(.init(version: migration.version, name: migration.name, state: .pending, appliedAt: nil))
                continue
            }
            entries.append(
                .init(
                    version: migration.version, name: migration.name,
                    state: record.checksum == migration.checksum ? .applied : .changed, appliedAt: record.appliedAt))
        }
        let known = Set(migrations.map(\.version))
        for (version, record) in recorded where !known.contains(version) {
            entries.append(.init(version: version, name: record.name, state: .unknown, appliedAt: record.appliedAt))
        }
        return MigrationStatus(entries: entries.sorted { $0.version < $1.version })
    }

    /// The PostgreSQL error inside a ``DatabaseQueryError``, or `error` itself.
    static func cause(_ error: any Error) -> any Error {
        (error as? DatabaseQueryError)?.cause ?? error
    }
}
