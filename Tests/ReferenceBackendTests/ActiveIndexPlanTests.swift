import Foundation
import PostgresSupport
import ReferenceCatalog
import TestSupport
import Testing

@testable import ReferenceBackend

/// The API's own read queries use the partial active-row indexes once deprecated rows pile up (the plan's
/// risk F, "slow bootstrap reads due to deprecated rows"), shown with EXPLAIN on the committed ReferenceData.
/// While every row is active, a sequential scan is the cheaper plan and PostgreSQL rightly takes it; so it does
/// for the narrow link tables at ReferenceData's size (under 30 pages each), whatever the share deprecated.
@Suite("Active-row index plans", .integration)
struct ActiveIndexPlanTests {
    @Test("with most exercises deprecated, the exercises query reads exercises_active_idx")
    func usesActiveIndex() async throws {
        try await TestDatabases.withDatabase(prefix: "plans") { url in
            let logger = TestDatabases.logger
            try await url.withConnection(logger: logger) { connection in
                let source = try ReferenceSource.load(from: ReferenceDataLocation.projectDirectory)
                _ = try await Seeder(logger: logger).seed(source, on: connection)
                for table in ["exercises"] {
                    // Deprecate all but the rows of exercises starting with 'a'.
                    try await connection.execute(
                        "UPDATE \(table) SET is_active = false WHERE exercise_key >= 'b'", logger: logger)
                    try await connection.execute("VACUUM ANALYZE \(table)", logger: logger)
                    let spec = try #require(ReferenceCatalog.table(named: table))
                    let plan = try await connection.strings(
                        "EXPLAIN " + ReferenceQueries.rowsQuery(spec, includeInactive: false), logger: logger
                    ).joined(separator: "\n")
                    #expect(plan.contains("using \(table)_active_idx on \(table)"), "\(plan)")
                }
            }
        }
    }
}
