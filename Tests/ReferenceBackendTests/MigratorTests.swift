import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

@Suite("Migrator", .integration)
struct MigratorTests {
    let logger = TestDatabases.logger

    /// An empty (unmigrated) database on the test server.
    func emptyDatabase() async throws -> DatabaseURL {
        let server = try await TestDatabases.serverURL()
        let name = "empty_\(UUID().uuidString.prefix(8).lowercased())"
        try await server.createDatabase(name, template: "template0", logger: logger)
        return server.with(database: name)
    }

    @Test("migrates an empty database to the latest version, and a second run applies nothing")
    func migrateTwice() async throws {
        let url = try await emptyDatabase()
        let first = try await Migrator(logger: logger).migrate(url)
        #expect(first.applied == Migration.bundled.map(\.version))
        #expect(first.schemaVersion == Migration.latestVersion)
        let second = try await Migrator(logger: logger).migrate(url)
        #expect(second.applied.isEmpty)
        #expect(second.schemaVersion == Migration.latestVersion)
        try await url.withConnection(logger: logger) { connection in
            let recorded = try await connection.strings(
                "SELECT version || ' ' || name || ' ' || checksum FROM schema_migrations ORDER BY version")
            #expect(recorded == Migration.bundled.map { "\($0.version) \($0.name) \($0.checksum)" })
        }
    }

    @Test("an applied migration whose file changed is refused")
    func checksumMismatch() async throws {
        let url = try await emptyDatabase()
        let original = [Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int);")]
        _ = try await Migrator(migrations: original, logger: logger).migrate(url)
        let edited = [Migration(version: 1, name: "one", sql: "CREATE TABLE one (id bigint);")]
        let error = await #expect(throws: MigrationError.self) {
            try await Migrator(migrations: edited, logger: logger).migrate(url)
        }
        #expect("\(error!)".contains("migration 1 (one) was applied with checksum"))
    }

    @Test("a database migrated by a newer build is refused")
    func unknownVersion() async throws {
        let url = try await emptyDatabase()
        let newer = [
            Migration(version: 1, name: "one", sql: "SELECT 1;"), Migration(version: 2, name: "two", sql: "SELECT 2;"),
        ]
        _ = try await Migrator(migrations: newer, logger: logger).migrate(url)
        await #expect(throws: MigrationError.self) {
            try await Migrator(migrations: Array(newer.prefix(1)), logger: logger).migrate(url)
        }
    }

    @Test("a migration that fails halfway is rolled back; the database stays at the last full migration")
    func failureHalfway() async throws {
        let url = try await emptyDatabase()
        let migrations = [
            Migration(version: 1, name: "good", sql: "CREATE TABLE good (id int);"),
            Migration(
                version: 2, name: "bad",
                sql: "CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;"),
        ]
        let error = await #expect(throws: MigrationError.self) {
            try await Migrator(migrations: migrations, logger: logger).migrate(url)
        }
        #expect("\(error!)".contains("migration 2 (bad) failed at line 3"))
        #expect("\(error!)".contains("no_such_table"))
        try await url.withConnection(logger: logger) { connection in
            let value1 = try await connection.integer("SELECT max(version) FROM schema_migrations")
            #expect(value1 == 1)
            let value2 = try await connection.strings("SELECT to_regclass('half')::text")
            #expect(value2 == ["NULL"])
            let value3 = try await connection.strings("SELECT to_regclass('good')::text")
            #expect(value3 == ["good"])
        }
    }

    @Test("two migrators racing on one database apply each migration exactly once")
    func concurrentMigrators() async throws {
        let url = try await emptyDatabase()
        let slow = [
            Migration(version: 1, name: "slow", sql: "SELECT pg_sleep(0.2);\nCREATE TABLE raced (id int);")
        ]
        async let first = Migrator(migrations: slow, logger: logger).migrate(url)
        async let second = Migrator(migrations: slow, logger: logger).migrate(url)
        let outcomes = try await [first, second]
        #expect(outcomes.map(\.applied.count).sorted() == [0, 1])
        try await url.withConnection(logger: logger) { connection in
            let value4 = try await connection.integer("SELECT count(*) FROM schema_migrations")
            #expect(value4 == 1)
        }
    }

    @Test("SQL scripts split at top-level semicolons only")
    func scriptSplitting() {
        let script = """
            -- a comment; not a statement
            CREATE TABLE a (t text DEFAULT 'x;y');
            /* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
            BEGIN RETURN 1; END
            $body$;
            SELECT "odd;name" FROM a;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements.map(\.line) == [2, 3, 6])
        #expect(statements[1].text.hasSuffix("$body$"))
    }

    // MARK: Locks: no statement waits long, the whole wait is bounded

    /// A session of its own that takes `lock` (SQL run inside an open transaction) and keeps it until released.
    struct LockHolder {
        let connection: PostgresConnection
        let pid: Int64

        static func take(_ lock: String, on url: DatabaseURL, application: String) async throws -> LockHolder {
            let logger = TestDatabases.logger
            let connection = try await url.connect(logger: logger)
            try await connection.execute("SET application_name = '\(application)'", logger: logger)
            let pid = try await connection.integer("SELECT pg_backend_pid()")
            try await connection.execute("BEGIN", logger: logger)
            try await connection.execute(lock, logger: logger)
            return LockHolder(connection: connection, pid: pid)
        }

        func release() async throws {
            try await connection.execute("ROLLBACK", logger: TestDatabases.logger)
            try await connection.close()
        }
    }

    /// The bundled migrations and one more that alters a table readers use.
    static let withAlter =
        Migration.bundled + [
            Migration(
                version: Migration.latestVersion + 1, name: "alter_exercises",
                sql:
                    "ALTER TABLE exercises ADD COLUMN lock_probe text;\nCREATE INDEX lock_probe_idx ON exercises (lock_probe);"
            )
        ]

    func columnExists(_ url: DatabaseURL) async throws -> Bool {
        try await url.withConnection(logger: logger) { connection in
            try await connection.strings(
                "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'exercises' AND column_name = 'lock_probe'"
            ) == ["1"]
        }
    }

    @Test(
        "a lock held on schema_migrations: migrate gives up within its bound, names the holder, applies nothing",
        .runningTimeLimit(.seconds(60)))
    func bookkeepingLockIsBounded() async throws {
        let url = try await emptyDatabase()
        _ = try await Migrator(logger: logger).migrate(url)
        let holder = try await LockHolder.take(
            "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE", on: url, application: "holder-bookkeeping")
        let started = ContinuousClock.now
        let error = await #expect(throws: MigrationError.self) {
            try await Migrator(
                migrations: Self.withAlter, lockTimeout: .seconds(1.5), statementLockTimeout: .milliseconds(300),
                logger: logger
            ).migrate(url)
        }
        let waited = ContinuousClock.now - started
        try await holder.release()
        let message = "\(try #require(error))"
        #expect(message.contains("reading schema_migrations"), "\(message)")
        #expect(message.contains("pid \(holder.pid) (application 'holder-bookkeeping'"), "\(message)")
        #expect(message.contains("LOCK TABLE schema_migrations"), "\(message)")
        #expect(message.contains("attempts"), "\(message)")
        #expect(waited >= .seconds(1.4), "gave up before its bound: \(waited)")
        #expect(try await !columnExists(url))
        let version = try await url.withConnection(logger: logger) { connection in
            try await connection.integer("SELECT max(version) FROM schema_migrations")
        }
        #expect(version == Migration.latestVersion)
    }

    @Test(
        "a migration waiting for a table lock never holds readers up past the statement lock timeout; it gives up whole",
        .runningTimeLimit(.seconds(60)))
    func readersGetThroughWhileAMigrationWaits() async throws {
        let url = try await emptyDatabase()
        _ = try await Migrator(logger: logger).migrate(url)
        // An idle transaction that has read exercises: its ACCESS SHARE lock blocks the ALTER TABLE.
        let holder = try await LockHolder.take(
            "SELECT count(*) FROM exercises", on: url, application: "holder-reader")
        let migrating = Task { [logger] () -> (Result<Migrator.Outcome, any Error>, ContinuousClock.Instant) in
            do {
                let outcome = try await Migrator(
                    migrations: Self.withAlter, lockTimeout: .seconds(4), statementLockTimeout: .milliseconds(200),
                    logger: logger
                ).migrate(url)
                return (.success(outcome), .now)
            } catch {
                return (.failure(error), .now)
            }
        }
        // While the migration waits and retries, another reader of the table is served. Without the statement
        // lock timeout it would queue behind the ALTER TABLE until the migration gave up (and time out here).
        try await Task.sleep(for: .milliseconds(500))
        let reader = try await url.connect(logger: logger)
        try await reader.execute("SET statement_timeout = '3s'", logger: logger)
        let count = try await reader.integer("SELECT count(*) FROM exercises")
        let readerDone = ContinuousClock.now
        try await reader.close()
        let (outcome, migrationDone) = await migrating.value
        try await holder.release()
        #expect(count == 0)
        #expect(readerDone < migrationDone, "the reader was served only once the migration had given up")
        guard case .failure(let error) = outcome else {
            Issue.record("the migration went through while the table was locked")
            return
        }
        let message = "\(error)"
        #expect(message.contains("migration \(Migration.latestVersion + 1) (alter_exercises) at line 1"), "\(message)")
        #expect(message.contains("pid \(holder.pid) (application 'holder-reader'"), "\(message)")
        #expect(try await !columnExists(url), "half of the migration was applied")
    }

    @Test("a lock released while the migration retries lets it through, once", .runningTimeLimit(.seconds(60)))
    func retriesSucceedOnceTheLockIsReleased() async throws {
        let url = try await emptyDatabase()
        _ = try await Migrator(logger: logger).migrate(url)
        let holder = try await LockHolder.take(
            "LOCK TABLE exercises IN SHARE MODE", on: url, application: "holder-brief")
        let releasing = Task {
            try await Task.sleep(for: .milliseconds(700))
            try await holder.release()
        }
        let outcome = try await Migrator(
            migrations: Self.withAlter, lockTimeout: .seconds(30), statementLockTimeout: .milliseconds(150),
            logger: logger
        ).migrate(url)
        try await releasing.value
        #expect(outcome.applied == [Migration.latestVersion + 1])
        #expect(try await columnExists(url))
    }

    @Test("the command gives up with exit 3 naming the holder; --status reads, exit 0 up to date, 1 otherwise")
    func command() async throws {
        let url = try await emptyDatabase()
        let executable = try Executables.path("reference-backend")
        let fresh = try await ChildProcess.run(
            executable, ["migrate", "--status", "--database-url", url.description, "--format", "json"])
        #expect(fresh.status == 1, "\(fresh.errorText)")
        let json = try JSONParser.parse(fresh.output)
        #expect(json["upToDate"] == .bool(false))
        #expect(
            json["migrations"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
                == Array(repeating: "pending", count: Migration.bundled.count))
        let bookkeeping = try await url.withConnection(logger: logger) { connection in
            try await connection.strings("SELECT to_regclass('schema_migrations')::text")
        }
        #expect(bookkeeping == ["NULL"], "--status created schema_migrations")
        _ = try await Migrator(logger: logger).migrate(url)
        let current = try await ChildProcess.run(
            executable, ["migrate", "--status", "--database-url", url.description])
        #expect(current.status == 0, "\(current.errorText)")
        #expect(current.outputText.contains("schema is up to date at version \(Migration.latestVersion)"))

        let holder = try await LockHolder.take(
            "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE", on: url, application: "holder-command")
        let blocked = try await ChildProcess.run(
            executable,
            ["migrate", "--database-url", url.description, "--lock-timeout", "1", "--statement-lock-timeout", "0.2"])
        try await holder.release()
        #expect(blocked.status == 3, "\(blocked.errorText)")
        #expect(blocked.errorText.contains("pid \(holder.pid) (application 'holder-command'"), "\(blocked.errorText)")
    }

    @Test("status names applied, pending, changed and unknown migrations, and writes nothing")
    func status() async throws {
        let url = try await emptyDatabase()
        let one = Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int);")
        let two = Migration(version: 2, name: "two", sql: "CREATE TABLE two (id int);")
        let three = Migration(version: 3, name: "three", sql: "CREATE TABLE three (id int);")
        _ = try await Migrator(migrations: [one, two, three], logger: logger).migrate(url)
        let editedTwo = Migration(version: 2, name: "two", sql: "CREATE TABLE two (id bigint);")
        let four = Migration(version: 4, name: "four", sql: "CREATE TABLE four (id int);")
        let report = try await Migrator(migrations: [one, editedTwo, four], logger: logger).status(url)
        #expect(report.entries.map(\.version) == [1, 2, 3, 4])
        #expect(report.entries.map(\.state) == [.applied, .changed, .unknown, .pending])
        #expect(report.entries.map { $0.appliedAt != nil } == [true, true, true, false])
        #expect(!report.isUpToDate)
        #expect(report.text.contains("schema version 3: 1 pending, 1 changed, 1 unknown"), "\(report.text)")
        let (recorded, fourTable) = try await url.withConnection(logger: logger) { connection in
            (
                try await connection.integer("SELECT count(*) FROM schema_migrations"),
                try await connection.strings("SELECT to_regclass('four')::text")
            )
        }
        #expect(recorded == 3)
        #expect(fourTable == ["NULL"])
        let clean = try await Migrator(migrations: [one, two, three], logger: logger).status(url)
        #expect(clean.isUpToDate)
        #expect(clean.schemaVersion == 3)
    }
}
