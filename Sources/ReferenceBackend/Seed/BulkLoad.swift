import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// A first load into empty tables the way `pg_restore` does it: the tables' secondary indexes and outgoing
/// foreign keys are dropped, the rows COPYed, then the indexes built in one sort each and the foreign keys
/// added back, each checked by one join instead of a lookup per row (591,772 `exercise_muscles` rows: 6.2 s
/// with them in place, 2.4 s this way). All inside the seed's transaction: a failure rolls the schema back
/// with the rows, and the definitions are PostgreSQL's own (`pg_get_indexdef`, `pg_get_constraintdef`), so
/// what is recreated is what was there (the schema drift check compares them).
///
/// Only for tables the connecting user may alter (it owns them or is a member of their owner); the others
/// keep their indexes and keys, and their rows are checked one by one as before. Unique indexes (the primary
/// keys) stay: they report a duplicate key at the row that repeats it.
struct BulkLoad: Sendable {
    /// `CREATE INDEX ...` and `ALTER TABLE ... ADD CONSTRAINT ...` statements, in the order to run them.
    let recreate: [String]

    /// Drops what can be rebuilt after the load, for those of `tables` the current user may alter.
    static func prepare(
        _ tables: [TableSpec], on connection: PostgresConnection, logger: Logger
    ) async throws
        -> BulkLoad
    {
        guard !tables.isEmpty else { return BulkLoad(recreate: []) }
        let names = tables.map { "'\($0.name)'" }.joined(separator: ", ")
        var indexes: [(name: String, definition: String)] = []
        var keys: [(table: String, name: String, definition: String)] = []
        let indexQuery = PostgresQuery(
            unsafeSQL: """
                SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), pg_get_indexdef(x.indexrelid)
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND t.relname IN (\(names))
                  AND NOT x.indisunique AND pg_has_role(current_user, t.relowner, 'USAGE')
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY 1
                """)
        for try await (name, definition) in try await connection.query(indexQuery, logger: logger).decode(
            (String, String).self)
        {
            indexes.append((name, definition))
        }
        let keyQuery = PostgresQuery(
            unsafeSQL: """
                SELECT quote_ident(n.nspname) || '.' || quote_ident(t.relname), quote_ident(c.conname),
                       pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname IN (\(names))
                  AND pg_has_role(current_user, t.relowner, 'USAGE')
                ORDER BY 1, 2
                """)
        for try await (table, name, definition) in try await connection.query(keyQuery, logger: logger).decode(
            (String, String, String).self)
        {
            keys.append((table, name, definition))
        }
        for key in keys {
            try await connection.execute("ALTER TABLE \(key.table) DROP CONSTRAINT \(key.name)", logger: logger)
        }
        for index in indexes { try await connection.execute("DROP INDEX \(index.name)", logger: logger) }
        logger.debug(
            "bulk load: secondary indexes and foreign keys dropped until the rows are in",
            metadata: ["seed.indexes": "\(indexes.count)", "seed.foreign_keys": "\(keys.count)"])
        return BulkLoad(
            recreate: indexes.map(\.definition)
                + keys.map { "ALTER TABLE \($0.table) ADD CONSTRAINT \($0.name) \($0.definition)" })
    }

    /// Builds the indexes and adds the foreign keys back (each validated against the loaded rows).
    func finish(on connection: PostgresConnection, logger: Logger) async throws {
        for statement in recreate { try await connection.execute(statement, logger: logger) }
    }
}
