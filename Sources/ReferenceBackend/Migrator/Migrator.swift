import Logging
import PostgresNIO
import PostgresSupport

/// Applies the numbered SQL migrations in order.
///
/// * `schema_migrations (version, name, checksum, applied_at)` records what was applied.
/// * Each migration runs in its own transaction, statement by statement; a failure rolls that migration
///   back and leaves the database at the last fully applied one.
/// * A session advisory lock serialises concurrent migrators on the same database.
/// * No statement waits long for a lock: see `Migrator+Locks.swift`; the whole wait is bounded.
/// * An applied migration whose file changed is refused (checksum mismatch), and so is a database that has a
///   migration this build does not know.
public struct Migrator: Sendable {
    /// The advisory lock key ("refmigr" in ASCII), shared by every migrator of this schema.
    public static let advisoryLockKey: Int64 = 0x7265_666D_6967_72

    public let migrations: [Migration]
    /// The whole bound on waiting for locks, retries included: the migration lock (another migrator) and
    /// every table lock a statement needs. Past it the migrator gives up (exit 3), naming who held the lock.
    public let lockTimeout: Duration
    /// How long one statement may wait for a table lock before it is cancelled, its migration rolled back and
    /// tried again (see `Migrator+Locks.swift`). Short: while a DDL statement waits, so does every later
    /// reader of its table.
    public let statementLockTimeout: Duration
    public let logger: Logger

    public static let defaultLockTimeout: Duration = .seconds(60)
    public static let defaultStatementLockTimeout: Duration = .seconds(1)

    public init(
        migrations: [Migration] = Migration.bundled, lockTimeout: Duration = Migrator.defaultLockTimeout,
        statementLockTimeout: Duration = Migrator.defaultStatementLockTimeout, logger: Logger
    ) {
        self.migrations = migrations
        self.lockTimeout = lockTimeout
        self.statementLockTimeout = statementLockTimeout
        self.logger = logger
    }

    public struct Outcome: Sendable, Hashable {
        /// Versions applied by this run, in order.
        public let applied: [Int]
        /// The schema version after the run: the highest applied version.
        public let schemaVersion: Int
    }

    /// Migrates the database at `url`.
    public func migrate(_ url: DatabaseURL) async throws -> Outcome {
        let deadline = ContinuousClock.now + lockTimeout
        return try await url.withConnection(logger: logger) { connection in
            let watch = LockWatch(url: url, logger: logger)
            return try await watch.watching(connection) {
                try await migrate(connection, deadline: deadline, watch: watch)
            }
        }
    }

    private func migrate(
        _ connection: PostgresConnection, deadline: ContinuousClock.Instant, watch: LockWatch
    ) async throws -> Outcome {
        try await lock(connection, deadline: deadline, watch: watch)
        do {
            let outcome = try await migrateLocked(connection, deadline: deadline, watch: watch)
            try await connection.execute("RESET lock_timeout", logger: logger)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            return outcome
        } catch {
            _ = try? await connection.execute("RESET lock_timeout", logger: logger)
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            throw error
        }
    }

    /// Takes the advisory lock, waiting until `deadline` for a session that holds it; says once who that is.
    private func lock(
        _ connection: PostgresConnection, deadline: ContinuousClock.Instant, watch: LockWatch
    )
        async throws
    {
        let rows = try await connection.query(
            "SELECT pg_try_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
        for try await taken in rows.decode(Bool.self) where taken { return }
        let holder = try await Self.lockHolder(on: connection, logger: logger)
        logger.warning(
            "waiting for the migration lock",
            metadata: [
                "migration.lock_holder": "\(holder)",
                "migration.lock_timeout_s": "\(lockTimeout.fractionalMilliseconds / 1000)",
            ])
        let remaining = max(.milliseconds(1), deadline - ContinuousClock.now)
        try await connection.execute("SET lock_timeout = \(Self.milliseconds(remaining))", logger: logger)
        do {
            // The timeout arrives as an error in the row stream: drain it.
            let rows = try await connection.query(
                "SELECT pg_advisory_lock(\(Self.advisoryLockKey))::text", logger: logger)
            for try await _ in rows {}
        } catch  where postgresSQLState(error) == "55P03" {
            _ = try? await connection.execute("RESET lock_timeout", logger: logger)
            let seen = watch.holders
            throw MigrationError.lockTimeout(
                seconds: lockTimeout.fractionalMilliseconds / 1000, holder: seen.isEmpty ? holder : seen)
        }
        try await connection.execute("RESET lock_timeout", logger: logger)
    }

    /// Who holds the migration lock: "pid N (application 'name', user 'role')", from `pg_locks` and
    /// `pg_stat_activity`.
    static func lockHolder(on connection: PostgresConnection, logger: Logger) async throws -> String {
        let high = Self.advisoryLockKey >> 32
        let low = Self.advisoryLockKey & 0xFFFF_FFFF
        let rows = try await connection.query(
            """
            SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, '')
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::int8 = \(high)
              AND l.objid::int8 = \(low) AND l.objsubid = 1
            """, logger: logger)
        for try await (pid, application, user) in rows.decode((Int32, String, String).self) {
            return "pid \(pid) (application '\(application)', user '\(user)')"
        }
        return "a session that has released it since"
    }

    private func migrateLocked(
        _ connection: PostgresConnection, deadline: ContinuousClock.Instant, watch: LockWatch
    ) async throws -> Outcome {
        let applied = try await withLockRetries(.bookkeeping, on: connection, deadline: deadline, watch: watch) {
            try await readApplied(on: connection)
        }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw MigrationError.unknownAppliedVersion(version: version, name: record.name)
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.checksumMismatch(
                    version: version, name: migration.name, applied: record.checksum, file: migration.checksum)
            }
        }
        var newlyApplied: [Int] = []
        for migration in migrations where applied[migration.version] == nil {
            let started = ContinuousClock.now
            try await withLockRetries(
                .migration(version: migration.version, name: migration.name), on: connection, deadline: deadline,
                watch: watch
            ) {
                try await apply(migration, on: connection)
            }
            newlyApplied.append(migration.version)
            logger.debug(
                "applied migration",
                metadata: [
                    "migration.version": "\(migration.version)", "migration.name": "\(migration.name)",
                    "migration.ms": "\((ContinuousClock.now - started).milliseconds)",
                ])
        }
        try await withLockRetries(.privileges, on: connection, deadline: deadline, watch: watch) {
            do {
                try await Self.restrictTemporaryObjects(on: connection, logger: logger)
            } catch  where postgresSQLState(error) == "55P03" {
                throw LockWaitCancelled(statement: "REVOKE TEMPORARY ON DATABASE ... FROM PUBLIC", line: nil)
            }
        }
        let schemaVersion = max(applied.keys.max() ?? 0, newlyApplied.max() ?? 0)
        return Outcome(applied: newlyApplied, schemaVersion: schemaVersion)
    }

    /// Creates `schema_migrations` when missing and reads what it records.
    private func readApplied(on connection: PostgresConnection) async throws -> [Int: (name: String, checksum: String)]
    {
        try await run(Self.createBookkeeping, line: nil, on: connection)
        var applied: [Int: (name: String, checksum: String)] = [:]
        do {
            let rows = try await connection.query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version", logger: logger)
            for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
                applied[version] = (name, checksum)
            }
        } catch  where postgresSQLState(error) == "55P03" {
            throw LockWaitCancelled(statement: "SELECT ... FROM schema_migrations", line: nil)
        }
        return applied
    }

    static let createBookkeeping = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Takes TEMPORARY on the database from PUBLIC, so reference_reader and reference_seeder cannot create
    /// temporary tables, functions or sequences, and keeps it for the user migrating (the seed stages its rows
    /// in temporary tables as the login user, then lets reference_seeder read them). A privilege of the
    /// database, not of its schema: `CREATE DATABASE ... TEMPLATE` and a restore without `--create` lose it,
    /// so it is set on every run, and by ``ReferenceDatabases`` on every clone. Only the database's owner (or
    /// a superuser) may change it; anyone else gets one warning and the default stays.
    public static func restrictTemporaryObjects(on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT d.datname, pg_has_role(current_user, d.datdba, 'USAGE')
                   OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            FROM pg_database d WHERE d.datname = current_database()
            """, logger: logger)
        for try await (database, mayChange) in rows.decode((String, Bool).self) {
            guard mayChange else {
                logger.warning(
                    "only the database's owner can take TEMPORARY from PUBLIC; reference_reader and reference_seeder can still create temporary objects",
                    metadata: ["db.name": "\(database)"])
                return
            }
            let name = quoteIdentifier(database)
            try await connection.execute("REVOKE TEMPORARY ON DATABASE \(name) FROM PUBLIC", logger: logger)
            try await connection.execute("GRANT TEMPORARY ON DATABASE \(name) TO CURRENT_USER", logger: logger)
        }
    }

    /// One migration in one transaction; whatever fails rolls it back whole. A cancelled lock wait is
    /// passed on as such (``LockWaitCancelled``), for ``withLockRetries`` to try the migration again.
    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        try await connection.execute("BEGIN", logger: logger)
        var currentLine = 1
        do {
            for statement in SQLScript.statements(in: migration.sql) {
                currentLine = statement.line
                try await run(statement.text, line: statement.line, on: connection)
            }
            try await connection.query(
                """
                INSERT INTO schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """, logger: logger)
            try await connection.execute("COMMIT", logger: logger)
        } catch let wait as LockWaitCancelled {
            try? await connection.execute("ROLLBACK", logger: logger)
            throw wait
        } catch {
            try? await connection.execute("ROLLBACK", logger: logger)
            throw MigrationError.statementFailed(
                version: migration.version, name: migration.name, line: currentLine,
                cause: error)
        }
    }

    /// The schema version of a database: the highest applied migration, 0 when none is.
    public static func schemaVersion(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT coalesce(max(version), 0)::int4 FROM schema_migrations", logger: logger)
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }
}
