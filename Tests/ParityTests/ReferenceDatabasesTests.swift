import Foundation
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing

@testable import ParityRunner

/// `ReferenceDatabases.onServer`: the scratch databases of runs against one server (`--database-url`, or a
/// checklist's server), made from one migrated template.
@Suite("Scratch databases on a server", .integration)
struct ReferenceDatabasesTests {
    let logger = TestDatabases.logger

    @Test(
        "runs at once on one server share one template: none of them fails, and each gets migrated copies of it",
        .integration(weight: 2))
    func concurrentRunsShareTheTemplate() async throws {
        let server = try await TestDatabases.serverURL()
        let template = "reference_template_test_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let logger = logger
        // Before: two runs at once failed one of them with a unique violation on pg_database_datname_index,
        // the CREATE DATABASE race (not the duplicate_database that was handled).
        let made = try await withThrowingTaskGroup(of: [DatabaseURL].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let databases = try await ReferenceDatabases.onServer(server, template: template, logger: logger)
                    return [
                        try await databases.makeDatabase(prefix: "concurrent"),
                        try await databases.makeDatabase(prefix: "concurrent"),
                    ]
                }
            }
            var all: [DatabaseURL] = []
            for try await urls in group { all += urls }
            return all
        }
        #expect(Set(made.map(\.database)).count == 8)
        for url in made {
            let applied = try await url.withConnection(logger: logger) { connection in
                let rows = try await connection.query("SELECT count(*)::int8 FROM schema_migrations", logger: logger)
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return 0
            }
            #expect(applied == Migration.bundled.count, "\(url.database)")
        }
        try await server.withConnection(logger: logger) { connection in
            for name in made.map(\.database) + [template] {
                try await connection.execute(
                    "DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)", logger: logger)
            }
        }
    }
}
