import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// Step 1 of the seed: the source rows COPYed into temporary staging tables (or straight into an empty table).
extension Seeder {
    static func stageName(_ spec: TableSpec) -> String { "seed_stage_\(spec.name)" }

    func stage(_ table: SourceTable, on connection: PostgresConnection) async throws {
        let spec = table.spec
        let stageName = Self.stageName(spec)
        let columnList = spec.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        try await connection.execute(
            "CREATE TEMP TABLE \(stageName) ON COMMIT DROP AS SELECT \(columnList) FROM \(quoteIdentifier(spec.name)) WITH NO DATA",
            logger: logger)
        try await copy(table, into: stageName, on: connection)
        try await connection.execute("ANALYZE \(stageName)", logger: logger)
    }

    /// Whether `spec`'s table has no rows at all (active or not, seed or admin).
    func isEmpty(_ spec: TableSpec, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT NOT EXISTS (SELECT 1 FROM \(quoteIdentifier(spec.name)))"), logger: logger)
        for try await empty in rows.decode(Bool.self) { return empty }
        return false
    }

    /// COPYs the source rows of `table` into `target` (the catalog columns; `is_active` and `source_type` take
    /// their defaults, true and 'seed').
    func copy(_ table: SourceTable, into target: String, on connection: PostgresConnection) async throws {
        let spec = table.spec
        guard !table.rows.isEmpty else { return }
        try await connection.copyFrom(
            table: target, columns: spec.columns.map(\.name), format: .text(.init()), logger: logger
        ) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 17)
            for row in table.rows {
                CopyEncoder.appendRow(row, columns: spec.columns, to: &buffer)
                if buffer.readableBytes >= 1 << 16 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }
}
