import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing

/// What the database itself lets each role do (migration 0005), tried as that role.
@Suite("Role guards", .integration)
struct RoleGuardTests {
    let logger = TestDatabases.logger

    /// Runs `sql` in a transaction as `role` (rolled back), and returns the server's error, if any.
    func attempt(
        _ sql: String, as role: String, adopting: Bool = false, on url: DatabaseURL
    ) async throws
        -> (message: String, sqlState: String?)?
    {
        try await url.withConnection(logger: logger) { connection in
            try await connection.execute("BEGIN", logger: logger)
            do {
                try await connection.execute("SET LOCAL ROLE \(role)", logger: logger)
                if adopting {
                    try await connection.execute(
                        "SELECT set_config('reference.adopt_admin_rows', 'on', true)", logger: logger)
                }
                try await connection.execute(sql, logger: logger)
                try await connection.execute("ROLLBACK", logger: logger)
                return nil
            } catch {
                try await connection.execute("ROLLBACK", logger: logger)
                return (describePostgresError(error), postgresSQLState(error))
            }
        }
    }

    func withAdminRow<T>(_ body: (DatabaseURL) async throws -> T) async throws -> T {
        try await TestDatabases.withDatabase { url in
            _ = try await Seeder(logger: logger).seed(sourceDirectory: try SourceFixture.small().write(), into: url)
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "INSERT INTO force_types (force_key, name, source_type) VALUES ('isometric', 'Isometric', 'admin')",
                    logger: logger)
            }
            return try await body(url)
        }
    }

    @Test(
        "reference_seeder cannot change, deactivate or re-own an admin row, nor insert one; the error names table and key"
    )
    func seederCannotTouchAdminRows() async throws {
        try await withAdminRow { url in
            let attempts = [
                "UPDATE force_types SET name = 'x' WHERE force_key = 'isometric'":
                    "may not change admin row force_types(force_key=isometric)",
                "UPDATE force_types SET is_active = false WHERE force_key = 'isometric'":
                    "may not change admin row force_types(force_key=isometric)",
                "UPDATE force_types SET source_type = 'seed' WHERE force_key = 'isometric'":
                    "may not change admin row force_types(force_key=isometric)",
                "UPDATE force_types SET source_type = 'admin' WHERE force_key = 'push'":
                    "may not change source_type of force_types(force_key=push) from seed to admin",
                "INSERT INTO force_types (force_key, name, source_type) VALUES ('hold', 'Hold', 'admin')":
                    "may not insert force_types(force_key=hold) as source_type admin",
            ]
            for (sql, expected) in attempts {
                let error = try await attempt(sql, as: "reference_seeder", on: url)
                #expect(error?.message.contains(expected) == true, "\(sql): \(error?.message ?? "no error")")
                #expect(error?.sqlState == "42501", "\(sql)")
            }
            // Composite keys are named column by column.
            let link = try await attempt(
                """
                UPDATE exercise_muscles SET source_type = 'admin'
                WHERE (exercise_key, muscle_key, role) IN (SELECT exercise_key, muscle_key, role FROM exercise_muscles LIMIT 1)
                """, as: "reference_seeder", on: url)
            #expect(link?.message.contains("exercise_muscles(exercise_key=") == true, "\(link?.message ?? "no error")")
            #expect(link?.message.contains(", muscle_key=") == true && link?.message.contains(", role=") == true)
        }
    }

    @Test(
        "the seeder's ordinary writes pass, the adopting setting lets an admin row be taken over, operators are not limited"
    )
    func permittedWrites() async throws {
        try await withAdminRow { url in
            #expect(
                try await attempt(
                    "UPDATE force_types SET name = 'x' WHERE force_key = 'push'", as: "reference_seeder", on: url)
                    == nil)
            #expect(
                try await attempt(
                    "INSERT INTO force_types (force_key, name) VALUES ('hold', 'Hold')", as: "reference_seeder", on: url
                )
                    == nil)
            #expect(
                try await attempt(
                    "UPDATE force_types SET name = 'x', source_type = 'seed' WHERE force_key = 'isometric'",
                    as: "reference_seeder", adopting: true, on: url) == nil)
            // The login user (an operator's role here) edits admin rows as before.
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE force_types SET name = 'Isometric hold' WHERE force_key = 'isometric'", logger: logger)
                let names = try await connection.strings("SELECT name FROM force_types WHERE force_key = 'isometric'")
                #expect(names == ["Isometric hold"])
            }
        }
    }

    @Test("reference_reader and reference_seeder cannot create temporary tables; the seed still stages its rows")
    func noTemporaryObjects() async throws {
        try await TestDatabases.withDatabase { url in
            for role in ["reference_reader", "reference_seeder"] {
                let error = try await attempt("CREATE TEMP TABLE scratch (x int)", as: role, on: url)
                #expect(error?.sqlState == "42501", "\(role): \(error?.message ?? "no error")")
                #expect(error?.message.contains("permission denied to create temporary tables") == true)
            }
            let report = try await Seeder(logger: logger).seed(
                sourceDirectory: try SourceFixture.small().write(), into: url)
            #expect(report.tables.reduce(0) { $0 + $1.inserted } > 0)
        }
    }
}
