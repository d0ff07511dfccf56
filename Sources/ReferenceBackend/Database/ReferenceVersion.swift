import Foundation
import Logging
import PostgresNIO
import ReferenceCatalog

/// The data's version as the API publishes it: an opaque token derived from `reference_metadata`
/// (`<version_seq>.<instance>`; the instance id keeps two databases that happen to share a sequence number
/// apart), and when it last changed. Never the schema version.
public struct ReferenceVersion: Sendable, Hashable {
    public let sequence: Int64
    public let instance: String
    public let lastUpdated: Date

    public var token: String { "\(sequence).\(instance)" }

    static let selectSQL =
        "SELECT version_seq, replace(instance_id::text, '-', ''), last_updated FROM reference_metadata"

    /// Reads the current version (inside the caller's transaction, if any).
    public static func read(on connection: PostgresConnection, logger: Logger) async throws -> ReferenceVersion {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: selectSQL), logger: logger)
        for try await (sequence, instance, lastUpdated) in rows.decode((Int64, String, Date).self) {
            return ReferenceVersion(sequence: sequence, instance: String(instance.prefix(12)), lastUpdated: lastUpdated)
        }
        throw ReferenceVersionError.noMetadataRow
    }
}

/// The version cannot be read because the database is not a migrated reference database.
public enum ReferenceVersionError: Error, Sendable, CustomStringConvertible, ClassifiedError {
    case noMetadataRow

    public var description: String { "reference_metadata has no row: is the database migrated?" }
    public var failureKind: FailureKind { .infrastructure }
}
