import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// One fixture per validation error class; each must be reported with table, row, key and field, and
/// nothing may be written (the validator runs before any connection is opened).
@Suite("Source validation", .integration)
struct SourceValidationTests {
    func problems(_ edit: (inout SourceFixture) -> Void) throws -> [SourceProblem] {
        var fixture = try SourceFixture.small()
        edit(&fixture)
        let directory = try fixture.write()
        do {
            _ = try ReferenceSource.load(from: directory)
            return []
        } catch let error as SourceValidationError {
            return error.problems
        }
    }

    func firstExerciseKey() throws -> String {
        try SourceFixture.small().tables["exercises"]![0]["exercise_key"]!.stringValue!
    }

    @Test("the small fixture itself is valid")
    func validFixture() throws {
        #expect(try problems { _ in }.isEmpty)
    }

    @Test("JSON syntax errors name the file, line and column")
    func syntax() throws {
        let directory = try SourceFixture.small().write()
        try Data("[\n  {\"force_key\": \"pull\", \"name\": \"Pull\"},\n  {\"force_key\": }\n]".utf8)
            .write(to: directory.appendingPathComponent("force_types.json"))
        let error = #expect(throws: SourceValidationError.self) { try ReferenceSource.load(from: directory) }
        let problem = try #require(error?.problems.first)
        #expect(problem.kind == .syntax)
        #expect(problem.file == "force_types.json")
        #expect(problem.line == 3)
        #expect(problem.column == 17)
    }

    @Test("missing and unknown table files")
    func files() throws {
        let directory = try SourceFixture.small().write()
        try FileManager.default.removeItem(at: directory.appendingPathComponent("units.json"))
        try Data("[]".utf8).write(to: directory.appendingPathComponent("unit.json"))
        let error = #expect(throws: SourceValidationError.self) { try ReferenceSource.load(from: directory) }
        let kinds = Set(error?.problems.map { "\($0.kind) \($0.file)" } ?? [])
        #expect(kinds.contains("missingFile units.json"))
        #expect(kinds.contains("unknownFile unit.json"))
    }

    @Test("row-level errors: every class, all reported in one run, each with table, row, key and field")
    func rowErrors() throws {
        let exercise = try firstExerciseKey()
        let found = try problems { fixture in
            fixture.update("muscles", where: { $0["muscle_key"] == "biceps" }) { $0["colour"] = "red" }  // unknown key
            // system column
            fixture.update("muscles", where: { $0["muscle_key"] == "lats" }) { $0["is_active"] = true }
            // missing
            fixture.update("equipment", where: { $0["equipment_key"] == "cable" }) { $0["is_bodyweight"] = nil }
            fixture.update("equipment", where: { $0["equipment_key"] == "bands" }) { $0["name"] = .null }  // null
            // string for int
            fixture.update("body_regions", where: { $0["body_region_key"] == "core" }) { $0["sort_order"] = "2" }
            // 1 for bool
            fixture.update("licenses", where: { $0["license_key"] == "mit" }) { $0["requires_attribution"] = 1 }
            // array for text
            fixture.update("force_types", where: { $0["force_key"] == "push" }) { $0["name"] = ["Push"] }
            fixture.update("units", where: { $0["unit_key"] == "lb" }) {
                $0["si_factor"] = .number(JSONNumber(literal: "4.5e5000"))  // not exact
            }
            fixture.update("difficulty_levels", where: { $0["level_key"] == "expert" }) {
                $0["rank"] = .number(JSONNumber(literal: "40000"))  // out of smallint range
            }
            fixture.update("mechanic_types", where: { $0["mechanic_key"] == "isolation" }) {
                $0["mechanic_key"] = "Isolation"
            }  // slug
            // CHECK
            fixture.update("metric_types", where: { $0["metric_type_key"] == "reps" }) { $0["value_kind"] = "number" }
            // duplicate composite key
            fixture.tables["exercise_muscles"]!.append(fixture.tables["exercise_muscles"]![0])
            fixture.update("exercises", where: { $0["exercise_key"]?.stringValue == exercise }) {
                $0["level_key"] = "grandmaster"  // FK that resolves nowhere
            }
        }
        func find(_ kind: SourceProblem.Kind, _ table: String, _ field: String) -> SourceProblem? {
            found.first { $0.kind == kind && $0.table == table && $0.field == field }
        }
        let unknown = try #require(find(.unknownKey, "muscles", "colour"))
        #expect(unknown.key == "biceps" && unknown.row != nil)
        #expect(find(.unknownKey, "muscles", "is_active")?.message.contains("managed by the database") == true)
        #expect(find(.missingKey, "equipment", "is_bodyweight")?.key == "cable")
        #expect(find(.nullInRequired, "equipment", "name")?.key == "bands")
        #expect(
            find(.type, "body_regions", "sort_order")?.message.contains("expected an integer, found string") == true)
        #expect(
            find(.type, "licenses", "requires_attribution")?.message.contains("expected true or false, found number 1")
                == true)
        #expect(find(.type, "force_types", "name")?.message.contains("found array") == true)
        #expect(find(.inexactDecimal, "units", "si_factor")?.key == "lb")
        #expect(find(.outOfRange, "difficulty_levels", "rank")?.key == "expert")
        #expect(find(.invalidSlug, "mechanic_types", "mechanic_key") != nil)
        #expect(find(.check, "metric_types", "value_kind")?.message.contains("count, mass, distance, duration") == true)
        let duplicate = try #require(find(.duplicateKey, "exercise_muscles", "exercise_key,muscle_key,role"))
        #expect(duplicate.message.contains("first used by row 0"))
        let reference = try #require(find(.unresolvedReference, "exercises", "level_key"))
        #expect(reference.key == exercise)
        #expect(reference.message.contains("grandmaster is not a key of difficulty_levels"))
        // Besides the 13 planted problems, only the references to the renamed mechanic key may appear.
        let others = found.filter { !($0.kind == .unresolvedReference && $0.field == "mechanic_key") }
        #expect(others.count == 13, "\(others.map(\.description).joined(separator: "\n"))")
    }

    @Test("what PostgreSQL would refuse is a validation problem: a NUL character, a key too long for an index")
    func databaseLimits() throws {
        let exercise = try firstExerciseKey()
        let long = String(repeating: "a", count: 3_000)
        let found = try problems { fixture in
            fixture.update("muscles", where: { $0["muscle_key"] == "biceps" }) { $0["name"] = "Bi\u{0}ceps" }
            fixture.update("exercises", where: { $0["exercise_key"]?.stringValue == exercise }) {
                $0["instructions"] = ["Stand.", "Lift\u{0}."]
            }
            fixture.update("units", where: { $0["unit_key"] == "lb" }) { $0["unit_key"] = .string(long) }
        }
        let byField = Dictionary(grouping: found) { "\($0.table ?? "").\($0.field ?? "")" }
        #expect(byField["muscles.name"]?.first?.kind == .invalidText, "\(found)")
        #expect(byField["exercises.instructions"]?.first?.kind == .invalidText, "\(found)")
        #expect(byField["units.unit_key"]?.first?.kind == .tooLong, "\(found)")
        #expect(byField["units.unit_key"]?.first?.message.contains("3000 bytes") == true)
    }

    @Test("the seed rejects invalid source before touching the database")
    func seedWritesNothing() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            fixture.update("force_types") { $0["name"] = 7 }
            let directory = try fixture.write()
            let before = try await url.withConnection(logger: TestDatabases.logger) { try await $0.referenceChecksum() }
            let error = await #expect(throws: SourceValidationError.self) {
                try await Seeder(logger: TestDatabases.logger).seed(sourceDirectory: directory, into: url)
            }
            #expect(error?.problems.count == 3)
            #expect(error?.failureKind == .badInput)
            let after = try await url.withConnection(logger: TestDatabases.logger) { try await $0.referenceChecksum() }
            #expect(after == before)
        }
    }

    @Test("a reference to an active database row outside the source is accepted by the seed")
    func externalReference() async throws {
        try await TestDatabases.withDatabase { url in
            var fixture = try SourceFixture.small()
            _ = try await Seeder(logger: TestDatabases.logger).seed(sourceDirectory: try fixture.write(), into: url)
            try await url.withConnection(logger: TestDatabases.logger) { connection in
                try await connection.execute(
                    "INSERT INTO licenses (license_key, name, requires_attribution, source_type) VALUES ('cc-by-4-0', 'CC BY 4.0', true, 'admin')",
                    logger: TestDatabases.logger)
            }
            fixture.update("exercises") { $0["license_key"] = "cc-by-4-0" }
            let report = try await Seeder(logger: TestDatabases.logger).seed(
                sourceDirectory: try fixture.write(), into: url)
            #expect(report.tables.first { $0.table == "exercises" }?.updated == fixture.count("exercises"))
            // Without the database (the local provider's view), the same source is invalid.
            #expect(throws: SourceValidationError.self) { try ReferenceSource.load(from: try fixture.write()) }
        }
    }
}
