import Foundation
import Logging
import ParityRunner
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// One throwaway cluster per test process (or the server of `DATABASE_URL`), and a fresh migrated database
/// for every suite or test that asks.
public enum TestDatabases {
    private static let shared = SharedDatabases()

    /// A new, migrated, empty database.
    public static func make(prefix: String = "test") async throws -> DatabaseURL {
        do {
            return try await shared.databases().makeDatabase(prefix: prefix)
        } catch let error as PSQLError {
            throw TestSupportError("creating a test database failed: \(describePostgresError(error))")
        }
    }

    /// Runs `body` with a new, migrated, empty database, then drops it however `body` ends.
    public static func withDatabase<T>(
        prefix: String = "test", _ body: (DatabaseURL) async throws -> T
    ) async throws -> T {
        let url = try await make(prefix: prefix)
        do {
            let result = try await body(url)
            try await drop(url)
            return result
        } catch {
            try? await drop(url)
            throw error
        }
    }

    /// A new database holding `fixture` as the seed leaves it, and the seed's report: a copy of a database
    /// seeded once per test process for each distinct fixture (`CREATE DATABASE ... TEMPLATE`), so a test
    /// that needs seeded data does not pay for parsing, validating and loading it again. A copy has the
    /// template's rows, metadata and `referenceVersion` exactly (a clone publishes the token of the content it
    /// brings, DESIGN.md "Versioning").
    public static func seeded(
        _ fixture: SourceFixture, prefix: String = "seeded"
    ) async throws -> (
        DatabaseURL, SeedReport
    ) {
        let (template, report) = try await shared.seededTemplate(fixture)
        do {
            return (try await shared.databases().makeDatabase(prefix: prefix, template: template), report)
        } catch let error as PSQLError {
            throw TestSupportError("copying a seeded database failed: \(describePostgresError(error))")
        }
    }

    /// Drops a database made by ``make(prefix:)``.
    public static func drop(_ url: DatabaseURL) async throws {
        try await shared.databases().dropDatabase(url)
    }

    /// One migrated database per `suite` name, created on first use and shared by that suite's tests (for
    /// suites that only read).
    public static func suiteDatabase(_ suite: String) async throws -> DatabaseURL {
        try await shared.suiteDatabase(suite)
    }

    /// The cluster's superuser URL for `database`, to run administrative SQL.
    public static func serverURL(database: String = "postgres") async throws -> DatabaseURL {
        try await shared.databases().templateURL.with(database: database)
    }

    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = .warning
        return logger
    }()
}

private actor SharedDatabases {
    private var task: Task<ReferenceDatabases, any Error>?
    private var suites: [String: Task<DatabaseURL, any Error>] = [:]
    private var seededTemplates: [SourceFixture: Task<(String, SeedReport), any Error>] = [:]

    /// The name of a database seeded from `fixture` that nobody connects to, made on first use.
    func seededTemplate(_ fixture: SourceFixture) async throws -> (String, SeedReport) {
        if let existing = seededTemplates[fixture] { return try await existing.value }
        let task = Task {
            let url = try await TestDatabases.make(prefix: "seeded_template")
            let directory = try fixture.write()
            defer { try? FileManager.default.removeItem(at: directory) }
            let report = try await Seeder(logger: TestDatabases.logger).seed(sourceDirectory: directory, into: url)
            return (url.database, report)
        }
        seededTemplates[fixture] = task
        return try await task.value
    }

    func suiteDatabase(_ suite: String) async throws -> DatabaseURL {
        if let existing = suites[suite] { return try await existing.value }
        let task = Task { try await TestDatabases.make(prefix: suite) }
        suites[suite] = task
        return try await task.value
    }

    func databases() async throws -> ReferenceDatabases {
        if let task { return try await task.value }
        let task = Task { try await ReferenceDatabases.fromEnvironment(logger: TestDatabases.logger) }
        self.task = task
        return try await task.value
    }
}

extension PostgresConnection {
    /// The rows of a query with one text column, for assertions.
    public func strings(_ sql: String) async throws -> [String] {
        try await strings(sql, logger: TestDatabases.logger)
    }

    /// The single integer a query returns.
    public func integer(_ sql: String, logger: Logger = TestDatabases.logger) async throws -> Int64 {
        do {
            let rows = try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await value in rows.decode(Int64.self) { return value }
        } catch let error as PSQLError {
            throw TestSupportError("\(describePostgresError(error)) in: \(sql)")
        }
        throw TestSupportError("query returned no row: \(sql)")
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PostgresConnection {
    /// A fingerprint of the 20 tables (all rows, all columns, active or not) and of reference_metadata.
    public func referenceChecksum() async throws -> String {
        var parts: [String] = []
        for table in ReferenceCatalog.tableNames + ["reference_metadata"] {
            parts += try await strings(
                "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \(table) x")
        }
        return parts.joined(separator: "/")
    }

    /// Active row counts per table.
    public func activeCounts() async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for table in ReferenceCatalog.tableNames {
            counts[table] = try await integer("SELECT count(*) FROM \(table) WHERE is_active")
        }
        return counts
    }
}
