import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// `seed --dry-run`: the plan the seed would carry out, computed without writing anything.
@Suite("Seed dry run", .integration)
struct SeedDryRunTests {
    let logger = TestDatabases.logger

    func plan(_ directory: URL, _ url: DatabaseURL) async throws -> SeedPlan {
        try await Seeder(logger: logger).plan(sourceDirectory: directory, against: url)
    }

    func table(_ plan: SeedPlan, _ name: String) throws -> SeedPlan.TablePlan {
        try #require(plan.tables.first { $0.table == name })
    }

    @Test("an empty database: every source row an insert; after the seed: an empty plan; nothing ever written")
    func emptyThenSeeded() async throws {
        try await TestDatabases.withDatabase { url in
            let directory = try SourceFixture.small().write()
            let before = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            let first = try await plan(directory, url)
            #expect(!first.isEmpty)
            for table in first.tables {
                #expect(table.inserted == table.sourceRows, "\(table.table)")
                #expect(table.updated + table.deactivated + table.reactivated + table.adminConflicts == 0)
            }
            #expect(try await url.withConnection(logger: logger) { try await $0.referenceChecksum() } == before)

            let report = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            #expect(report.tables.map(\.inserted) == first.tables.map(\.inserted), "the plan is what the seed did")
            let seeded = try await url.withConnection(logger: logger) { try await $0.referenceChecksum() }
            let again = try await plan(directory, url)
            #expect(again.isEmpty, "\(again.text)")
            #expect(try await url.withConnection(logger: logger) { try await $0.referenceChecksum() } == seeded)
        }
    }

    @Test("updates name their fields; deactivations, reactivations and admin collisions are counted like the seed")
    func everyKindOfChange() async throws {
        try await TestDatabases.withDatabase { url in
            let directory = try SourceFixture.small().write()
            _ = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            try await url.withConnection(logger: logger) { connection in
                for statement in [
                    "UPDATE units SET name = 'pounds', symbol = 'LB' WHERE unit_key = 'lb'",
                    "UPDATE units SET si_factor = 1.000 WHERE unit_key = 'kg'",  // 1 vs 1.000: the text differs
                    "INSERT INTO force_types (force_key, name) VALUES ('isometric', 'Isometric')",
                    "UPDATE set_types SET is_active = false WHERE set_type_key = 'amrap'",
                    "UPDATE licenses SET source_type = 'admin' WHERE license_key = 'mit'",
                ] {
                    try await connection.execute(statement, logger: logger)
                }
            }
            let plan = try await plan(directory, url)
            let units = try table(plan, "units")
            #expect(units.updated == 2)
            #expect(units.updatedFields.map(\.field) == ["name", "symbol", "si_factor"])
            #expect(try table(plan, "force_types").deactivated == 1)
            #expect(try table(plan, "set_types").reactivated == 1)
            #expect(try table(plan, "licenses").adminConflicts == 1)
            #expect(plan.text.contains("units: update 2 (name 1, symbol 1, si_factor 1)"), "\(plan.text)")
            // Each changed row named by its key, an update with its fields.
            for line in [
                "  update unit_key=kg: si_factor", "  update unit_key=lb: name, symbol",
                "  deactivate force_key=isometric", "  reactivate set_type_key=amrap", "  admin row license_key=mit",
            ] {
                #expect(plan.text.split(separator: "\n").contains { $0 == line }, "\(line) in \(plan.text)")
            }
            let unitsJSON = try #require(plan.json["tables"]?.arrayValue?.first { $0["table"] == "units" })
            #expect(
                unitsJSON["rows"]
                    == (try JSONParser.parse(
                        #"[{"kind": "update", "key": {"unit_key": "kg"}, "fields": ["si_factor"]},"#
                            + #" {"kind": "update", "key": {"unit_key": "lb"}, "fields": ["name", "symbol"]}]"#)))

            // The seed then does exactly that (the admin collision aborts it unless adopted).
            let report = try await Seeder(options: SeedOptions(adoptAdminRows: true), logger: logger).seed(
                sourceDirectory: directory, into: url)
            let stats = try #require(report.tables.first { $0.table == "units" })
            #expect(stats.updated == units.updated)
            #expect(report.tables.first { $0.table == "force_types" }?.deactivated == 1)
            #expect(report.tables.first { $0.table == "set_types" }?.reactivated == 1)
        }
    }

    @Test(
        "array elements that PostgreSQL prints quoted (empty, NULL, space, comma, quote, backslash, brace) plan empty once seeded; a reordered array is an update of that field"
    )
    func arraysReadAsTheDatabaseWritesThem() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            let key = try #require(fixture.tables["exercises"]?.first?["exercise_key"])
            let awkward: [JSONValue] = [
                "", "NULL", "null", "a b", "a,b", "say \"hi\"", "back\\slash", "{braced}", "tab\there", "line\nbreak",
                "plain", "ünïcode", "NULLS",
            ]
            fixture.update("exercises", where: { $0["exercise_key"] == key }) { $0["instructions"] = .array(awkward) }
            fixture.update("exercises", where: { $0["exercise_key"] != key }) { $0["image_paths"] = .array([]) }
            let directory = try fixture.write()
            _ = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            let seeded = try await plan(directory, url)
            #expect(seeded.isEmpty, "\(seeded.text)")

            fixture.update("exercises", where: { $0["exercise_key"] == key }) {
                $0["instructions"] = .array(awkward.reversed())
            }
            let reordered = try await plan(try fixture.write(), url)
            let exercises = try table(reordered, "exercises")
            #expect(exercises.updated == 1)
            #expect(exercises.updatedFields.map(\.field) == ["instructions"])
            #expect(exercises.updatedFields.map(\.rows) == [1])
        }
    }

    @Test("past the bound, the keys named are the first by key and the rest are counted, in text and JSON")
    func boundedNames() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small(exercises: 30)
            let directory = try fixture.write()
            _ = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            fixture.tables["exercises"] = fixture.tables["exercises"]!.map { row in
                var row = row
                row["name"] = .string((row["name"]?.stringValue ?? "") + " (renamed)")
                return row
            }
            let plan = try await plan(try fixture.write(), url)
            let exercises = try table(plan, "exercises")
            let limit = SeedPlan.namedRowsPerKind
            let keys = fixture.tables["exercises"]!.compactMap { $0["exercise_key"]?.stringValue }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(exercises.updated == 30)
            #expect(exercises.rows.map(\.keyText) == keys.prefix(limit).map { "exercise_key=\($0)" })
            #expect(exercises.rows.allSatisfy { $0.fields == ["name"] })
            #expect(exercises.unnamed(.update) == 30 - limit)
            #expect(plan.text.contains("  ... and \(30 - limit) more updates"), "\(plan.text)")
            let json = try #require(plan.json["tables"]?.arrayValue?.first { $0["table"] == "exercises" })
            #expect(json["unnamedRows"] == (try JSONParser.parse(#"{"update": \#(30 - limit)}"#)))
        }
    }

    @Test("the command: exit 0 on an empty plan, 1 on a non-empty one, JSON on request; the database untouched")
    func command() async throws {
        try await TestDatabases.withDatabase { url in
            let directory = try SourceFixture.small().write()
            let executable = try Self.referenceBackend()
            let pending = try await ChildProcess.run(
                executable,
                [
                    "seed", "--dry-run", "--database-url", url.description, "--source", directory.path,
                    "--format", "json",
                ])
            #expect(pending.status == 1, "\(pending.errorText)")
            let json = try JSONParser.parse(pending.output)
            #expect(json["empty"] == .bool(false))
            #expect(
                try await url.withConnection(logger: logger) { try await $0.activeCounts() }.values.allSatisfy {
                    $0 == 0
                })
            _ = try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
            let done = try await ChildProcess.run(
                executable, ["seed", "--dry-run", "--database-url", url.description, "--source", directory.path])
            #expect(done.status == 0, "\(done.errorText)")
            #expect(done.outputText.contains("a seed would write nothing"))
        }
    }

    static func referenceBackend() throws -> String { try Executables.path("reference-backend") }
}
