import Foundation
import Logging
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing
import ThrowawayPostgres

@Suite("Database URLs", .integration)
struct DatabaseURLTests {
    @Test("TCP URLs")
    func tcp() throws {
        let url = try DatabaseURL(parsing: "postgresql://app:s%40cret@db.example:6543/reference?sslmode=disable")
        #expect(url.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(url.username == "app")
        #expect(url.password == "s@cret")
        #expect(url.database == "reference")
        #expect(url.sslMode == .disable)
        #expect(url.description == "postgresql://app:****@db.example:6543/reference")
    }

    @Test("unix-socket URLs, by query parameter or percent-encoded host")
    func unixSocket() throws {
        let byQuery = try DatabaseURL(parsing: "postgresql://postgres@/ref?host=/tmp/pg")
        #expect(byQuery.endpoint == .unixSocket(directory: "/tmp/pg", port: 5432))
        let byHost = try DatabaseURL(parsing: "postgres://%2Fvar%2Frun%2Fpostgresql:5433/ref")
        #expect(byHost.endpoint == .unixSocket(directory: "/var/run/postgresql", port: 5433))
        #expect(byHost.username == "postgres")
    }

    @Test(
        "malformed URLs are rejected with the reason and without the password",
        arguments: [
            ("mysql://u:pw@h/db", "unsupported scheme"), ("postgresql://u:pw@h:99999/db", "port"),
            ("postgresql://u:pw@h:5432", "no database name"), ("localhost:5432/db", "expected postgresql://"),
            ("postgresql://u:pw@/db", "no host"), ("postgresql://u:pw@h/db?sslmode=verify", "sslmode"),
        ])
    func malformed(text: String, reason: String) {
        let error = #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: text) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("pw") == false)
    }
}

@Suite("Throwaway PostgreSQL", .integration)
struct ThrowawayClusterTests {
    @Test("a cluster listens on a unix socket only, with durability off, and is removed by stop()")
    func lifecycle() async throws {
        let cluster = try await ThrowawayCluster.start(logger: TestDatabases.logger)
        let directory = cluster.directory
        #expect(FileManager.default.fileExists(atPath: directory + "/.s.PGSQL.5432"))
        try await cluster.url().withConnection(logger: TestDatabases.logger) { connection in
            let settings = try await connection.strings(
                """
                SELECT name || '=' || setting FROM pg_settings
                WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit', 'listen_addresses') ORDER BY name
                """)
            #expect(settings == ["fsync=off", "full_page_writes=off", "listen_addresses=", "synchronous_commit=off"])
        }
        await cluster.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("clones of the migrated template are separate databases")
    func templateClones() async throws {
        try await TestDatabases.withDatabase { first in
            try await TestDatabases.withDatabase { second in
                #expect(first.database != second.database)
                try await first.withConnection(logger: TestDatabases.logger) { connection in
                    try await connection.execute(
                        "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1)",
                        logger: TestDatabases.logger)
                }
                try await second.withConnection(logger: TestDatabases.logger) { connection in
                    let value1 = try await connection.integer("SELECT count(*) FROM body_regions")
                    #expect(value1 == 0)
                    let value2 = try await Migrator.schemaVersion(on: connection, logger: TestDatabases.logger)
                    #expect(value2 == Migration.latestVersion)
                }
            }
        }
    }
}

@Suite("Child processes", .integration)
struct ChildProcessTests {
    @Test("exit status, standard output and standard error come back apart, or merged when asked")
    func outcome() async throws {
        let script = "echo out; echo err >&2; exit 3"
        let apart = try await ChildProcess.run("/bin/sh", ["-c", script])
        #expect(apart.status == 3)
        #expect(apart.outputText == "out\n")
        #expect(apart.errorText == "err\n")
        let merged = try await ChildProcess.run("/bin/sh", ["-c", script], mergingStandardError: true)
        #expect(merged.status == 3)
        #expect(merged.outputText.split(separator: "\n").sorted() == ["err", "out"])
        #expect(merged.error.isEmpty)
    }

    @Test("output larger than a pipe's buffer does not stall the child")
    func largeOutput() async throws {
        let outcome = try await ChildProcess.run(
            "/bin/sh", ["-c", "head -c 1000000 /dev/zero; head -c 300000 /dev/zero >&2"])
        #expect(outcome.status == 0)
        #expect(outcome.output.count == 1_000_000)
        #expect(outcome.error.count == 300_000)
    }

    @Test("a missing program is an error, not a status")
    func missingProgram() async {
        await #expect(throws: (any Error).self) { try await ChildProcess.run("/nonexistent/program", []) }
    }
}
