import Foundation
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing
import ThrowawayPostgres

/// `parity-runner checklist --backend-url URL --database-url URL`: the cutover prerequisites of a deployed
/// environment, checked without writing to it.
@Suite("Environment checklist", .integration)
struct EnvironmentChecklistTests {
    let logger = TestDatabases.logger

    func checklist(
        _ backend: LiveBackend, database: Bool = true, ignoring: Set<String> = [], strict: Bool = false
    ) -> EnvironmentChecklist {
        EnvironmentChecklist(
            backendURL: backend.baseURL, databaseURL: database ? backend.databaseURL : nil,
            sourceDirectory: ReferenceDataLocation.projectDirectory, ignoredObjects: ignoring, strict: strict,
            logger: logger)
    }

    func run(_ backend: LiveBackend, database: Bool = true) async throws -> CutoverChecklist.Report {
        try await checklist(backend, database: database).run()
    }

    /// Every row of the 20 tables and of reference_metadata (version included): any write that changes data
    /// shows here.
    func fingerprint(_ backend: LiveBackend) async throws -> String {
        try await backend.databaseURL.withConnection(logger: logger) { try await $0.referenceChecksum() }
    }

    @Test("a healthy environment: every item proven, and nothing written to its database")
    func healthy() async throws {
        try await ParityHarness.withSeededBackend { backend in
            let before = try await fingerprint(backend)
            let report = try await run(backend)
            #expect(report.passed, "\(report.markdown)")
            #expect(report.items.map(\.number) == Array(1...7))
            #expect(report.mode.hasPrefix("environment: backend \(backend.baseURL.absoluteString)"))
            #expect(report.items.allSatisfy { !$0.evidence.isEmpty })
            #expect(
                report.items.first { $0.number == 3 }?.evidence.first?.contains("default_transaction_read_only = on")
                    == true)
            let parity = report.items.first { $0.number == 4 }?.evidence ?? []
            #expect(
                parity.contains {
                    $0.hasPrefix("the database's active rows at referenceVersion") && $0.hasSuffix(", 0 differences")
                },
                "\(parity)")
            #expect(try await fingerprint(backend) == before)
        }
    }

    @Test("schema drift is named object by object; --ignore-object leaves operators' own objects out")
    func drift() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                ["ALTER TABLE exercises ADD COLUMN bars_extra integer", "DROP INDEX exercises_active_idx"], in: backend)
            let schema = try await checklist(backend).schemaItem()
            #expect(!schema.passed)
            #expect(schema.evidence.contains("column exercises.bars_extra: not in the catalog or the migrations"))
            #expect(schema.evidence.contains("index exercises_active_idx missing"))
            let ignoring = try await checklist(backend, ignoring: ["exercises.bars_extra", "exercises_active_idx"])
                .schemaItem()
            #expect(ignoring.passed, "\(ignoring.evidence)")
        }
    }

    /// Changes an operator or a bad script makes by hand that change what the system does, each with the
    /// object and property the schema item must name.
    static let catalogDrift: [(statements: [String], named: String)] = [
        // How it versions: a disabled versioning trigger, a function that no longer runs as its owner.
        (
            ["ALTER TABLE exercises DISABLE TRIGGER exercises_version_update"],
            "trigger exercises.exercises_version_update"
        ),
        (["ALTER TABLE units DISABLE TRIGGER ALL"], "foreign key triggers units"),
        (["ALTER FUNCTION reference_bump_version() SECURITY INVOKER"], "function reference_bump_version()"),
        // An overload is its own function, and an aggregate (which has no function definition) is read too.
        (
            ["CREATE FUNCTION reference_bump_version(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'"],
            "function reference_bump_version(integer)"
        ),
        (
            ["CREATE AGGREGATE operators_total(integer) (SFUNC = int4pl, STYPE = integer)"],
            "function operators_total(integer)"
        ),
        (
            [
                """
                DO $$ BEGIN EXECUTE format('ALTER ROLE reference_seeder IN DATABASE %I SET session_replication_role = replica',
                                           current_database()); END $$
                """
            ], "setting reference_seeder in this database: session_replication_role"
        ),
        // Who may write (or read).
        (["GRANT INSERT ON exercises TO PUBLIC"], "privilege on table exercises to PUBLIC"),
        (["GRANT UPDATE (name) ON units TO reference_reader"], "privilege on column units.name to reference_reader"),
        (["GRANT CREATE ON SCHEMA public TO PUBLIC"], "privilege on schema public to PUBLIC"),
        (["ALTER TABLE exercises ENABLE ROW LEVEL SECURITY"], "relation exercises"),
        (["CREATE RULE units_ignore AS ON UPDATE TO units DO INSTEAD NOTHING"], "rule units.units_ignore"),
        (
            ["ALTER DOMAIN reference_slug DROP CONSTRAINT reference_slug_check"],
            "domain constraint reference_slug.reference_slug_check"
        ),
        // What survives a crash.
        (["ALTER TABLE exercise_aliases SET UNLOGGED"], "relation exercise_aliases"),
    ]

    @Test(
        "each property that changes what the system does is compared: the drift is named by object",
        arguments: catalogDrift.indices)
    func catalogPropertyDrift(_ index: Int) async throws {
        let (statements, named) = Self.catalogDrift[index]
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(statements, in: backend)
            let schema = try await checklist(backend).schemaItem()
            #expect(!schema.passed, "\(statements): \(schema.evidence)")
            // The object itself, not one whose name merely starts the same way.
            #expect(
                schema.evidence.contains { line in [" ", "(", ":"].contains { line.hasPrefix(named + $0) } },
                "\(statements): \(schema.evidence)")
        }
    }

    @Test(
        "what is not drift keeps the schema item green: VACUUM ANALYZE, a statistics target, an autovacuum setting, an ignored operator index"
    )
    func catalogEquivalences() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "VACUUM ANALYZE", "ALTER TABLE exercises ALTER COLUMN name SET STATISTICS 500",
                    "ALTER TABLE exercises SET (autovacuum_vacuum_scale_factor = 0.01)",
                    "CREATE INDEX operators_exercises_name_idx ON exercises (name)",
                ], in: backend)
            // Unignored, the index is an unknown object under both of its kinds ("index", "index state").
            let unignored = try await checklist(backend).schemaItem()
            #expect(
                unignored.evidence.filter { $0.contains("operators_exercises_name_idx") }.count == 2,
                "\(unignored.evidence)")
            let schema = try await checklist(backend, ignoring: ["operators_exercises_name_idx"]).schemaItem()
            #expect(schema.passed, "\(schema.evidence)")
        }
    }

    @Test("a changed row fails the seed, parity and smoke items")
    func changedData() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                ["UPDATE exercises SET name = 'Barbell Squat!' WHERE exercise_key = 'barbell-squat'"], in: backend)
            let report = try await run(backend)
            let failed = Set(report.items.filter { !$0.passed }.map(\.number))
            #expect(failed == [2, 4, 7], "\(report.markdown)")
            #expect(report.items.first { $0.number == 2 }?.evidence.first == "exercises: update 1 (name 1)")
            // Item 4 finds it twice: through the backend's bootstrap, and in the database's rows read directly.
            let parity = report.items.first { $0.number == 4 }?.evidence ?? []
            #expect(
                parity.contains("database exercises: 1 differences, first (exercise_key=barbell-squat) name"),
                "\(parity)")
        }
    }

    @Test(
        "rows that break the catalog's own rules are failing items naming table, key and field; every item still runs, exit 1"
    )
    func brokenRules() async throws {
        try await ParityHarness.withSeededBackend { backend in
            // An active row that references an inactive one: the category of an active piece of equipment.
            try await ParityHarness.plant(
                [
                    """
                    UPDATE equipment_categories SET is_active = false WHERE equipment_category_key =
                        (SELECT equipment_category_key FROM equipment WHERE equipment_key = 'barbell')
                    """
                ], in: backend)
            let report = try await run(backend)
            #expect(report.items.map(\.number) == Array(1...7))
            #expect(!report.passed)
            let smoke = report.items.first { $0.number == 7 }
            #expect(smoke?.passed == false)
            #expect(
                smoke?.evidence.contains {
                    $0.contains(
                        "equipment.json row 1 key (barbell) field equipment_category_key: free-weights is not a key")
                } == true, "\(smoke?.evidence ?? [])")
            // The other items ran and found it in their own way: the backend serves one category less.
            let parity = report.items.first { $0.number == 4 }
            #expect(parity?.passed == false, "\(parity?.evidence ?? [])")
            for number in [5, 6] {
                let item = report.items.first { $0.number == number }
                #expect(item?.passed == true, "item \(number): \(item?.evidence ?? [])")
            }

            let outcome = try await ChildProcess.run(
                try CommandLineTests.executable("parity-runner"),
                [
                    "checklist", "--backend-url", backend.baseURL.absoluteString, "--database-url",
                    backend.databaseURL.description, "--format", "json",
                ])
            #expect(outcome.status == 1, "\(outcome.errorText)")
            #expect(try JSONParser.parse(outcome.output)["status"] != "ready")
        }
    }

    @Test("an admin row is shown and counted in every item but is no failure; --strict makes it one")
    func adminRow() async throws {
        try await ParityHarness.withSeededBackend { backend in
            // The plan's admin-managed rows: added by an operator, never touched by the seed.
            try await ParityHarness.plant(
                [
                    """
                    INSERT INTO equipment (equipment_key, name, equipment_category_key, is_bodyweight, source_type)
                    SELECT 'yoke', 'Yoke', equipment_category_key, false, 'admin' FROM equipment WHERE equipment_key = 'barbell'
                    """
                ], in: backend)
            let report = try await run(backend)
            #expect(report.passed, "\(report.markdown)")
            let parity = report.items.first { $0.number == 4 }?.evidence ?? []
            #expect(
                parity.contains("admin rows, listed and not compared: 1 (equipment: equipment_key=yoke)"), "\(parity)")
            #expect(
                parity.contains {
                    $0.hasPrefix("the database's active rows") && $0.hasSuffix("0 differences, admin rows listed: 1")
                },
                "\(parity)")
            let smoke = report.items.first { $0.number == 7 }?.evidence ?? []
            #expect(
                smoke.contains {
                    $0.hasPrefix("exercise edit/create validation:")
                        && $0.contains("flag ON differs only by admin rows")
                }, "\(smoke)")

            let strict = try await checklist(backend, strict: true).run()
            #expect(Set(strict.items.filter { !$0.passed }.map(\.number)) == [4, 7], "\(strict.markdown)")
        }
    }

    @Test("a no-op re-seed and a restarted backend keep every item green")
    func reseedAndRestart() async throws {
        try await ParityHarness.withSeededBackend { backend in
            let reseed = try await Seeder(logger: logger).seed(
                sourceDirectory: ReferenceDataLocation.projectDirectory, into: backend.databaseURL)
            #expect(!reseed.versionChanged)
            await backend.api.stop()
            let restarted = try await RunningAPI.start(databaseURL: backend.databaseURL, logger: logger)
            let report = try await EnvironmentChecklist(
                backendURL: restarted.baseURL, databaseURL: backend.databaseURL,
                sourceDirectory: ReferenceDataLocation.projectDirectory, logger: logger
            ).run()
            await restarted.stop()
            #expect(report.passed, "\(report.markdown)")
        }
    }

    @Test("the command writes the report in the format asked for; an unreachable backend exits 3 naming it")
    func command() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "environment-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let runner = try CommandLineTests.executable("parity-runner")
        try await ParityHarness.withSeededBackend { backend in
            let outcome = try await ChildProcess.run(
                runner,
                [
                    "checklist", "--backend-url", backend.baseURL.absoluteString, "--database-url",
                    backend.databaseURL.description, "--format", "json", "--output", output.path,
                ])
            #expect(outcome.status == 0, "\(outcome.errorText)")
            let report = try JSONParser.parse(try Data(contentsOf: output))
            #expect(report["status"] == "ready", "\(JSONWriter(prettyPrinted: true).string(report))")
            #expect(report["mode"]?.stringValue?.hasPrefix("environment") == true)
        }
        let unreachable = try await ChildProcess.run(runner, ["checklist", "--backend-url", "http://127.0.0.1:9"])
        #expect(unreachable.status == 3)
        #expect(unreachable.errorText.contains("http://127.0.0.1:9"))
    }
}
