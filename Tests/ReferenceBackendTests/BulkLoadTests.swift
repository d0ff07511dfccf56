import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// A first seed loads empty tables without their secondary indexes and foreign keys and rebuilds them after:
/// the schema must come out exactly as the migrations made it, whoever seeds.
@Suite("Bulk first load", .integration)
struct BulkLoadTests {
    let logger = TestDatabases.logger

    /// Every index and constraint of the public schema, as PostgreSQL prints them, with validity.
    static func schemaObjects(_ url: DatabaseURL, logger: Logger) async throws -> [String] {
        try await url.withConnection(logger: logger) { connection in
            var objects: [String] = []
            let query: PostgresQuery = """
                SELECT t.relname || ' index ' || i.relname || ': ' || pg_get_indexdef(x.indexrelid)
                  || CASE WHEN x.indisvalid THEN '' ELSE ' INVALID' END
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'
                UNION ALL
                SELECT t.relname || ' constraint ' || c.conname || ': ' || pg_get_constraintdef(c.oid)
                  || CASE WHEN c.convalidated THEN '' ELSE ' NOT VALIDATED' END
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'
                ORDER BY 1
                """
            for try await object in try await connection.query(query, logger: logger).decode(String.self) {
                objects.append(object)
            }
            return objects
        }
    }

    @Test(
        "after a first seed into empty tables every index and foreign key is back, validated, as the migrations made it"
    )
    func schemaIntact() async throws {
        try await TestDatabases.withDatabase { url in
            let before = try await Self.schemaObjects(url, logger: logger)
            #expect(before.contains { $0.contains("exercise_muscles_exercise_key_fkey") })
            #expect(before.contains { $0.contains("exercises_category_key_idx") })
            let log = LogCapture()
            let report = try await Seeder(logger: log.logger(level: .debug)).seed(
                sourceDirectory: try SourceFixture.small().write(), into: url)
            #expect(report.tables.allSatisfy { $0.inserted == $0.sourceRows })
            // They were dropped for the load (the way it is fast), and are back.
            let dropped = try #require(log.lines.first { $0.message.hasPrefix("bulk load:") })
            #expect(Int(dropped.metadata["seed.indexes"] ?? "") ?? 0 > 10)
            #expect(Int(dropped.metadata["seed.foreign_keys"] ?? "") ?? 0 > 10)
            #expect(try await Self.schemaObjects(url, logger: logger) == before)
            let problems = try await url.withConnection(logger: logger) {
                try await SchemaInspector.problems(on: $0, logger: logger)
            }
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test("a login that may not alter the tables seeds them from empty with their indexes and keys in place")
    func notTheOwner() async throws {
        try await TestDatabases.withDatabase { url in
            let role = "seed_login_\(UUID().uuidString.prefix(8).lowercased())"
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute("CREATE ROLE \(role) LOGIN IN ROLE reference_seeder", logger: logger)
                try await connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)", logger: logger)
            }
            func dropRole() async {
                try? await url.withConnection(logger: logger) { connection in
                    try await connection.execute("DROP OWNED BY \(role)", logger: logger)
                    try await connection.execute("DROP ROLE IF EXISTS \(role)", logger: logger)
                }
            }
            do {
                let before = try await Self.schemaObjects(url, logger: logger)
                var login = url
                login.username = role
                let log = LogCapture()
                let report = try await Seeder(logger: log.logger(level: .debug)).seed(
                    sourceDirectory: try SourceFixture.small().write(), into: login)
                #expect(report.tables.allSatisfy { $0.inserted == $0.sourceRows })
                // Nothing was dropped: the rows went in with every index and key in place.
                let dropped = try #require(log.lines.first { $0.message.hasPrefix("bulk load:") })
                #expect(dropped.metadata["seed.indexes"] == "0")
                #expect(dropped.metadata["seed.foreign_keys"] == "0")
                #expect(try await Self.schemaObjects(url, logger: logger) == before)
            } catch {
                await dropRole()
                throw error
            }
            await dropRole()
        }
    }
}
