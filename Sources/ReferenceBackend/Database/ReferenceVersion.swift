import Foundation
import Logging
import PostgresNIO
import ReferenceCatalog

/// The data's version as the API publishes it: an opaque token derived from `reference_metadata`
/// (`<version_seq>.<content>`, where the content id is drawn at random by every bump, so one token names one
/// content for ever, across restores and clones), and when it last changed. Never the schema version.
public struct ReferenceVersion: Sendable, Hashable {
    public let sequence: Int64
    /// The first 16 hex digits of `content_id`.
    public let content: String
    public let lastUpdated: Date

    public init(sequence: Int64, content: String, lastUpdated: Date) {
        self.sequence = sequence
        self.content = String(content.prefix(16))
        self.lastUpdated = lastUpdated
    }

    public var token: String { "\(sequence).\(content)" }

    static let selectSQL =
        "SELECT version_seq, replace(content_id::text, '-', ''), last_updated FROM reference_metadata"

    /// Reads the current version (inside the caller's transaction, if any).
    public static func read(on connection: PostgresConnection, logger: Logger) async throws -> ReferenceVersion {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: selectSQL), logger: logger)
        for try await (sequence, content, lastUpdated) in rows.decode((Int64, String, Date).self) {
            return ReferenceVersion(sequence: sequence, content: content, lastUpdated: lastUpdated)
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
