import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

@Suite("Seed pipeline", .integration)
struct SeedTests {
    let logger = TestDatabases.logger

    func seed(_ directory: URL, into url: DatabaseURL, options: SeedOptions = SeedOptions()) async throws -> SeedReport
    {
        try await Seeder(options: options, logger: logger).seed(sourceDirectory: directory, into: url)
    }

    func stats(_ report: SeedReport, _ table: String) -> SeedReport.TableStats {
        report.tables.first { $0.table == table }!
    }

    @Test("the committed ReferenceData seeds cleanly: every active row count equals its source file's")
    func committedReferenceData() async throws {
        try await TestDatabases.withDatabase { url in
            let report = try await seed(ReferenceDataLocation.projectDirectory, into: url)
            let source = try ReferenceSource.load(from: ReferenceDataLocation.projectDirectory)
            #expect(report.tables.map(\.table) == ReferenceCatalog.tableNames)
            let counts = try await url.withConnection(logger: logger) { try await $0.activeCounts() }
            for table in source.tables {
                #expect(counts[table.spec.name] == Int64(table.rows.count), "\(table.spec.name)")
                #expect(stats(report, table.spec.name).inserted == table.rows.count)
            }
            #expect(source.table(named: "exercises")?.rows.count == 873)
            #expect(report.versionChanged)
        }
    }

    @Test("an identical re-seed changes nothing: all rows unchanged, same referenceVersion, same bytes")
    func idempotent() async throws {
        try await TestDatabases.withDatabase { url in
            let directory = try SourceFixture.small().write()
            let first = try await seed(directory, into: url)
            let checksum = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            let second = try await seed(directory, into: url)
            #expect(!second.versionChanged)
            #expect(second.referenceVersion == first.referenceVersion)
            for table in second.tables {
                #expect(table.unchanged == table.sourceRows, "\(table.table)")
                #expect(table.inserted + table.updated + table.reactivated + table.deactivated == 0, "\(table.table)")
            }
            let after = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            #expect(after == checksum)
        }
    }

    @Test("a changed row is updated, a removed seed row deactivated, and a returning row reactivated")
    func deprecationAndReactivation() async throws {
        try await TestDatabases.withDatabase { url in
            let original = try SourceFixture.small()
            _ = try await seed(try original.write(), into: url)

            var edited = original
            edited.update("muscles", where: { $0["muscle_key"] == "biceps" }) { $0["name"] = "Biceps (edited)" }
            edited.remove("set_types", where: { $0["set_type_key"] == "amrap" })
            let second = try await seed(try edited.write(), into: url)
            #expect(stats(second, "muscles").updated == 1)
            #expect(stats(second, "muscles").unchanged == original.count("muscles") - 1)
            #expect(stats(second, "set_types").deactivated == 1)
            #expect(second.versionChanged)
            try await url.withConnection(logger: logger) { connection in
                let amrap = try await connection.strings(
                    "SELECT is_active::text FROM set_types WHERE set_type_key = 'amrap'")
                #expect(amrap == ["false"])
                let total = try await connection.integer("SELECT count(*) FROM set_types")
                #expect(total == Int64(original.count("set_types")))  // deactivated, never deleted
            }

            let third = try await seed(try original.write(), into: url)
            #expect(stats(third, "set_types").reactivated == 1)
            #expect(stats(third, "muscles").updated == 1)
            try await url.withConnection(logger: logger) { connection in
                let amrap = try await connection.strings(
                    "SELECT is_active::text FROM set_types WHERE set_type_key = 'amrap'")
                #expect(amrap == ["true"])
            }
        }
    }

    @Test("admin rows are never deactivated or overwritten; a source row with an admin key aborts unless adopted")
    func adminRows() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            _ = try await seed(try fixture.write(), into: url)
            try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "INSERT INTO force_types (force_key, name, source_type) VALUES ('isometric', 'Isometric', 'admin')",
                    logger: logger)
            }
            let report = try await seed(try fixture.write(), into: url)
            #expect(stats(report, "force_types").deactivated == 0)
            try await url.withConnection(logger: logger) { connection in
                let row = try await connection.strings(
                    "SELECT name || ' ' || is_active::text || ' ' || source_type FROM force_types WHERE force_key = 'isometric'"
                )
                #expect(row == ["Isometric true admin"])
            }

            fixture.tables["force_types"]!.append(JSONObject(["force_key": "isometric", "name": "Isometric (seed)"]))
            let directory = try fixture.write()
            let before = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            let error = await #expect(throws: SeedGuardError.self) { try await seed(directory, into: url) }
            #expect(
                error?.description.contains("force_types: 1 source row(s) have the key of an admin row (isometric)")
                    == true
            )
            let after = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            #expect(after == before)

            let adopted = try await seed(directory, into: url, options: SeedOptions(adoptAdminRows: true))
            #expect(stats(adopted, "force_types").adopted == 1)
            try await url.withConnection(logger: logger) { connection in
                let row = try await connection.strings(
                    "SELECT name || ' ' || source_type FROM force_types WHERE force_key = 'isometric'")
                #expect(row == ["Isometric (seed) seed"])
            }
        }
    }

    @Test("an empty source for a populated table aborts unless allowed for that table")
    func emptySourceGuard() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            _ = try await seed(try fixture.write(), into: url)
            fixture.tables["exercise_aliases"] = []
            let directory = try fixture.write()
            let before = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            let error = await #expect(throws: SeedGuardError.self) { try await seed(directory, into: url) }
            #expect(error?.description.contains("exercise_aliases: the source is empty") == true)
            #expect(error?.description.contains("--allow-empty exercise_aliases") == true)
            let after = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            #expect(after == before)

            let allowed = try await seed(
                directory, into: url, options: SeedOptions(allowEmptyTables: ["exercise_aliases"]))
            #expect(stats(allowed, "exercise_aliases").deactivated == 2)
        }
    }

    @Test("a run that would deactivate more than the allowed share of a table aborts, saying how to override")
    func massDeactivationGuard() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            _ = try await seed(try fixture.write(), into: url)
            fixture.remove("units") { $0["metric_type_key"] != "weight" }
            let directory = try fixture.write()
            let error = await #expect(throws: SeedGuardError.self) { try await seed(directory, into: url) }
            #expect(
                error?.description.contains("units: the seed would deactivate 9 of 12 active seed rows (75%)") == true)
            let report = try await seed(directory, into: url, options: SeedOptions(maxDeactivationShare: 0.8))
            #expect(stats(report, "units").deactivated == 9)
        }
    }

    @Test(
        "any database failure, at any table of the seed order, rolls everything back",
        arguments: ReferenceCatalog.tableNames)
    func rollbackAtEveryTable(failingTable: String) async throws {
        try await TestDatabases.withDatabase { url in
            let original = try SourceFixture.small(exercises: 4)
            _ = try await seed(try original.write(), into: url)
            // A dataset in which every table changes, so that every table is written (the seed skips tables
            // whose plan finds nothing to do): renamed rows, or one row fewer (deactivated) where there is no name.
            var changed = original
            for spec in ReferenceCatalog.tables {
                if spec.column(named: "name") != nil {
                    changed.update(spec.name) { $0["name"] = .string(($0["name"]?.stringValue ?? "") + " v2") }
                } else if spec.name == "exercise_aliases" {
                    changed.update(spec.name) { $0["language"] = "fr" }
                } else {
                    changed.tables[spec.name]!.removeLast()
                }
            }
            let directory = try changed.write()
            let before = try await url.withConnection(logger: logger) { connection in
                try await connection.execute(
                    """
                    CREATE FUNCTION fail_seed() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN RAISE EXCEPTION 'injected failure on %', TG_TABLE_NAME; END $$
                    """, logger: logger)
                try await connection.execute(
                    "CREATE TRIGGER fail_seed BEFORE INSERT OR UPDATE ON \(failingTable) FOR EACH STATEMENT EXECUTE FUNCTION fail_seed()",
                    logger: logger)
                return try await connection.referenceChecksum()
            }
            let error = await #expect(throws: SeedDatabaseError.self) { try await seed(directory, into: url) }
            #expect(error?.description.contains("injected failure on \(failingTable)") == true)
            let after = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            #expect(after == before)
        }
    }
}
