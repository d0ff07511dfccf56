import Foundation
import Logging
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// The committed ReferenceData seeded into a database of its own, served over HTTP: the backend that
/// parity runs compare against, ready for differences to be planted with SQL.
public enum ParityHarness {
    public static func seededBackend() async throws -> LiveBackend {
        try await LiveBackend.start(try SourceFixture.referenceData())
    }

    /// Runs `body` against the seeded backend, then stops it and drops its database.
    public static func withSeededBackend<T>(_ body: (LiveBackend) async throws -> T) async throws -> T {
        try await withLiveBackend(try SourceFixture.referenceData(), body)
    }

    /// Runs SQL statements against the backend's database.
    public static func plant(_ statements: [String], in backend: LiveBackend) async throws {
        try await backend.databaseURL.withConnection(logger: TestDatabases.logger) { connection in
            for statement in statements { try await connection.execute(statement, logger: TestDatabases.logger) }
        }
    }
}
