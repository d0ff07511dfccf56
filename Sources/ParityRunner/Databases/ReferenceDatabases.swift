import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import Settings
import Synchronization
import ThrowawayPostgres

/// Hands out migrated, empty reference databases: cloned (`CREATE DATABASE ... TEMPLATE`) from a template
/// database migrated once. On the throwaway cluster, the migrated template is part of the cached cluster, so
/// a warm start needs no migration at all.
public final class ReferenceDatabases: Sendable {
    public static let templateName = "reference_template"

    /// The throwaway cluster, when this instance started one.
    public let cluster: ThrowawayCluster?
    /// A URL of the server with a user that may create databases; its database is the template.
    public let templateURL: DatabaseURL
    private let counter = Atomic<Int>(0)
    /// Tells this instance's databases from those of another instance in the same process.
    private let instanceTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private let logger: Logger

    private init(cluster: ThrowawayCluster?, templateURL: DatabaseURL, logger: Logger) {
        self.cluster = cluster
        self.templateURL = templateURL
        self.logger = logger
    }

    /// Starts a throwaway cluster whose cached image already holds the migrated template.
    public static func throwaway(
        cache: ClusterCacheLocation = .environment, logger: Logger
    ) async throws -> ReferenceDatabases {
        let cluster = try await ThrowawayCluster.start(
            cacheKey: "migrated-\(Migration.bundledChecksum)",
            prepare: { cluster in
                try await cluster.createDatabase(templateName, logger: logger)
                _ = try await Migrator(logger: logger).migrate(cluster.url(database: templateName))
            },
            cache: cache,
            logger: logger)
        return ReferenceDatabases(cluster: cluster, templateURL: cluster.url(database: templateName), logger: logger)
    }

    /// Uses the server of `serverURL` (which must allow CREATE DATABASE): creates and migrates a template
    /// named after the migrations' checksum there when it is missing.
    ///
    /// Runs at once on one server share the template: the first creates and migrates it, the others wait for
    /// its migration.
    public static func onServer(_ serverURL: DatabaseURL, logger: Logger) async throws -> ReferenceDatabases {
        try await onServer(serverURL, template: "\(templateName)_\(Migration.bundledChecksum)", logger: logger)
    }

    /// ``onServer(_:logger:)`` with the template's name given (tests use a name of their own).
    static func onServer(
        _ serverURL: DatabaseURL, template name: String, logger: Logger
    ) async throws -> ReferenceDatabases {
        let exists = try await serverURL.withConnection(logger: logger) { connection in
            let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
            for try await _ in rows { return true }
            return false
        }
        if !exists {
            do {
                try await serverURL.createDatabase(name, logger: logger)
            } catch let error as DatabaseQueryError where error.sqlState == "42P04" || error.sqlState == "23505" {
                // Created concurrently by another run: fine (the migrator below waits for its migration). Two
                // CREATE DATABASE at once may also collide in the catalog itself: a unique violation on
                // pg_database_datname_index (23505) rather than duplicate_database (42P04).
                _ = error
            }
            _ = try await Migrator(logger: logger).migrate(serverURL.with(database: name))
        }
        return ReferenceDatabases(cluster: nil, templateURL: serverURL.with(database: name), logger: logger)
    }

    /// The throwaway cluster, or the server of `DATABASE_URL` when that is set.
    public static func fromEnvironment(logger: Logger) async throws -> ReferenceDatabases {
        if let text = Settings().text(.databaseURL) {
            return try await onServer(try DatabaseURL(parsing: text), logger: logger)
        }
        return try await throwaway(logger: logger)
    }

    /// A new migrated, empty database; its name starts with `prefix`. With `template`, a copy of that
    /// database instead (one made here, that nobody is connected to).
    public func makeDatabase(prefix: String = "reference", template: String? = nil) async throws -> DatabaseURL {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let name = "\(prefix)_\(getpid())_\(instanceTag)_\(number)"
        try await templateURL.with(database: "postgres").createDatabase(
            name, template: template ?? templateURL.database, logger: logger)
        let url = templateURL.with(database: name)
        try await url.withConnection(logger: logger) { connection in
            try await Migrator.restrictTemporaryObjects(on: connection, logger: logger)
        }
        return url
    }

    /// Drops a database made by ``makeDatabase(prefix:)`` (closing its other connections first).
    public func dropDatabase(_ url: DatabaseURL) async throws {
        try await templateURL.with(database: "postgres").withConnection(logger: logger) { connection in
            try await connection.execute(
                "DROP DATABASE IF EXISTS \(quoteIdentifier(url.database)) WITH (FORCE)", logger: logger)
        }
    }

    /// Stops the throwaway cluster, if any.
    public func shutdown() async {
        await cluster?.stop()
    }

    /// Runs `body`, then shuts down (the throwaway cluster, if any) however `body` ends.
    public func withShutdown<T: Sendable>(_ body: (ReferenceDatabases) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await shutdown()
            return result
        } catch {
            await shutdown()
            throw error
        }
    }
}
