import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing
import ThrowawayPostgres

@Suite("Migrator")
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
}
