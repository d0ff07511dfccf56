import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import TestSupport
import Testing

/// reference_metadata.version_seq: once per committed transaction that changed rows, never otherwise, in
/// commit order.
@Suite("Statement-level versioning", .integration)
struct VersioningTests {
    let logger = TestDatabases.logger

    func version(_ connection: PostgresConnection) async throws -> Int64 {
        try await connection.integer("SELECT version_seq FROM reference_metadata")
    }

    func lastUpdated(_ connection: PostgresConnection) async throws -> String {
        try await connection.strings("SELECT last_updated::text FROM reference_metadata")[0]
    }

    @Test("a transaction of many statements and rows raises the version exactly once")
    func oncePerTransaction() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                let before = try await version(connection)
                let updatedBefore = try await lastUpdated(connection)
                try await connection.inTransaction(logger: logger) {
                    try await connection.execute(
                        "INSERT INTO body_regions (body_region_key, name, sort_order) SELECT 'r' || g, 'R', g FROM generate_series(1, 500) g",
                        logger: logger)
                    try await connection.execute("UPDATE body_regions SET name = 'S'", logger: logger)
                    try await connection.execute(
                        "INSERT INTO equipment_categories (equipment_category_key, name, sort_order) VALUES ('e', 'E', 1)",
                        logger: logger)
                    try await connection.execute("DELETE FROM body_regions WHERE sort_order > 250", logger: logger)
                }
                let value1 = try await version(connection)
                #expect(value1 == before + 1)
                #expect(try await lastUpdated(connection) > updatedBefore)
                // Autocommit statements are transactions of their own: two of them, two versions.
                try await connection.execute("UPDATE body_regions SET name = 'T' WHERE sort_order = 1", logger: logger)
                try await connection.execute("UPDATE body_regions SET name = 'U' WHERE sort_order = 1", logger: logger)
                let value2 = try await version(connection)
                #expect(value2 == before + 3)
            }
        }
    }

    @Test("statements that change nothing leave the version alone")
    func noChange() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1), ('b', 'B', 2)",
                    logger: logger)
                let before = try await version(connection)
                try await connection.execute("UPDATE body_regions SET name = 'x' WHERE false", logger: logger)
                try await connection.execute("DELETE FROM body_regions WHERE false", logger: logger)
                // An update that rewrites identical values.
                try await connection.execute("UPDATE body_regions SET name = name", logger: logger)
                // An upsert whose rows are all identical, guarded the way the seed guards it.
                try await connection.execute(
                    """
                    INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1), ('b', 'B', 2)
                    ON CONFLICT (body_region_key) DO UPDATE SET name = excluded.name, sort_order = excluded.sort_order
                    WHERE (body_regions.name, body_regions.sort_order) IS DISTINCT FROM (excluded.name, excluded.sort_order)
                    """, logger: logger)
                // Even an unguarded upsert of identical rows changes nothing.
                try await connection.execute(
                    """
                    INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1)
                    ON CONFLICT (body_region_key) DO UPDATE SET name = excluded.name
                    """, logger: logger)
                let value3 = try await version(connection)
                #expect(value3 == before)
            }
        }
    }

    @Test("a changed decimal representation is a change")
    func decimalRepresentation() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    """
                    INSERT INTO scoring_formulas (formula_key, name, kind, expression, variables)
                    VALUES ('f', 'F', 'one_rep_max', 'w', '{}');
                    """, logger: logger)
                try await connection.execute(
                    "INSERT INTO scoring_coefficients VALUES ('f', 'v', 'a', 1.10)", logger: logger)
                let before = try await version(connection)
                try await connection.execute("UPDATE scoring_coefficients SET value = 1.1", logger: logger)
                let value4 = try await version(connection)
                #expect(value4 == before + 1)
            }
        }
    }

    @Test("a rolled-back transaction leaves no trace")
    func rollback() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                let before = try await version(connection)
                let updatedBefore = try await lastUpdated(connection)
                try await connection.execute("BEGIN", logger: logger)
                try await connection.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1)", logger: logger)
                let value5 = try await version(connection)
                #expect(value5 == before + 1)
                try await connection.execute("ROLLBACK", logger: logger)
                let value6 = try await version(connection)
                #expect(value6 == before)
                let value7 = try await lastUpdated(connection)
                #expect(value7 == updatedBefore)
                let value8 = try await connection.integer("SELECT count(*) FROM body_regions")
                #expect(value8 == 0)
            }
        }
    }

    @Test("concurrent writers: the second waits for the first, and versions follow commit order")
    func commitOrder() async throws {
        try await TestDatabases.withDatabase { url in
            let first = try await url.connect(logger: logger)
            let second = try await url.connect(logger: logger)
            let observer = try await url.connect(logger: logger)
            defer {
                Task {
                    try? await first.close()
                    try? await second.close()
                    try? await observer.close()
                }
            }
            let start = try await version(observer)
            // The first writer changes a row and holds the metadata row lock until it commits.
            try await first.execute("BEGIN", logger: logger)
            try await first.execute(
                "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('first', 'A', 1)", logger: logger)
            let value9 = try await version(first)
            #expect(value9 == start + 1)
            // The second writer starts later, writes, and must wait.
            try await second.execute("BEGIN", logger: logger)
            let secondPID = try await second.integer("SELECT pg_backend_pid()")
            let secondWrite = Task {
                try await second.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('second', 'B', 2)",
                    logger: logger
                )
                return try await version(second)
            }
            var waited = false
            for _ in 0..<500 {
                let waiting = try await observer.strings(
                    "SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = \(secondPID)")
                if waiting == ["Lock"] {
                    waited = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(waited, "the second writer should block on the metadata row")
            try await first.execute("COMMIT", logger: logger)
            let value10 = try await version(observer)
            #expect(value10 == start + 1)
            let secondVersion = try await secondWrite.value
            #expect(secondVersion == start + 2)
            try await second.execute("COMMIT", logger: logger)
            let value11 = try await version(observer)
            #expect(value11 == start + 2)
        }
    }
}

@Suite("Roles", .integration)
struct RoleTests {
    let logger = TestDatabases.logger

    @Test("the seed role can insert and update but not delete")
    func seederCannotDelete() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute("SET ROLE reference_seeder", logger: logger)
                try await connection.execute(
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1)", logger: logger)
                try await connection.execute("UPDATE body_regions SET name = 'B'", logger: logger)
                let error = await #expect(throws: PSQLError.self) {
                    try await connection.execute("DELETE FROM body_regions", logger: logger)
                }
                #expect(error.flatMap(postgresSQLState) == "42501")  // insufficient_privilege
                let truncate = await #expect(throws: PSQLError.self) {
                    try await connection.execute("TRUNCATE body_regions", logger: logger)
                }
                #expect(truncate.flatMap(postgresSQLState) == "42501")
            }
        }
    }

    @Test("the API role can only read")
    func readerOnlyReads() async throws {
        try await TestDatabases.withDatabase { url in
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute("SET ROLE reference_reader", logger: logger)
                let value12 = try await connection.integer("SELECT count(*) FROM exercises")
                #expect(value12 == 0)
                let value13 = try await connection.integer("SELECT version_seq FROM reference_metadata")
                #expect(value13 >= 1)
                for statement in [
                    "INSERT INTO body_regions (body_region_key, name, sort_order) VALUES ('a', 'A', 1)",
                    "UPDATE reference_metadata SET version_seq = 99", "DELETE FROM muscles",
                ] {
                    let error = await #expect(throws: PSQLError.self) {
                        try await connection.execute(statement, logger: logger)
                    }
                    #expect(error.flatMap(postgresSQLState) == "42501", "\(statement)")
                }
            }
        }
    }
}
