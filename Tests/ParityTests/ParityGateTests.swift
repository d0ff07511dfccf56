import Foundation
import Normalization
import ParityRunner
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// The parity gate end to end: real PostgreSQL, real HTTP, the real providers.
@Suite("Parity gate", .integration)
struct ParityGateTests {
    let logger = TestDatabases.logger

    func run(against backend: LiveBackend, strict: Bool = false, tables: [String] = []) async throws -> ParityReport {
        try await ParityRun(
            options: ParityOptions(tables: tables, backendURL: backend.baseURL, strict: strict), logger: logger,
            progress: .silent
        ).execute()
    }

    @Test("the whole default chain on ReferenceData is green: throwaway cluster, seed, API, both providers")
    func defaultChainIsGreen() async throws {
        let report = try await ParityRun(options: ParityOptions(), logger: logger, progress: .silent).execute()
        #expect(report.passed, "\(report.text(colors: false))")
        #expect(report.tables.map(\.table) == ReferenceCatalog.tableNames)
        #expect(report.tables.first { $0.table == "exercises" }?.remoteRows == 873)
        #expect(report.tables.allSatisfy { $0.localRows == $0.remoteRows && $0.localRows > 0 })
    }

    @Test("canaries planted in the database after the seed are each found at the exact table, key and field")
    func canaries() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "UPDATE exercises SET name = 'Barbell Squat (changed)' WHERE exercise_key = 'barbell-squat'",
                    "UPDATE muscles SET name = 'Lower  back' WHERE muscle_key = 'lower-back'",
                    "UPDATE force_types SET name = 'PUSH' WHERE force_key = 'push'",
                    "UPDATE equipment SET is_bodyweight = NOT is_bodyweight WHERE equipment_key = 'barbell'",
                    "UPDATE body_regions SET sort_order = sort_order + 10 WHERE body_region_key = 'core'",
                    "UPDATE units SET si_factor = 0.45359238 WHERE unit_key = 'lb'",
                    "UPDATE scoring_coefficients SET value = value + 0.0000000001 WHERE formula_key = 'dots' AND variant = 'male' AND coefficient = 'a'",
                    "UPDATE exercises SET instructions = ARRAY(SELECT x FROM unnest(instructions) WITH ORDINALITY AS t(x, n) ORDER BY n DESC) WHERE exercise_key = 'barbell-deadlift'",
                    "UPDATE units SET aliases = aliases || aliases[1] WHERE unit_key = 'kg'",
                    "UPDATE scoring_formulas SET variables = jsonb_set(variables, '{w}', '\"weight lifted\"') WHERE formula_key = 'epley'",
                    "UPDATE muscles SET latin_name = 'NULL' WHERE muscle_key = 'forearms'",
                    "UPDATE set_types SET is_active = false WHERE set_type_key = 'amrap'",
                    "INSERT INTO force_types (force_key, name) VALUES ('isometric', 'Isometric')",
                    "UPDATE exercise_muscles SET is_active = false WHERE exercise_key = 'barbell-squat' AND muscle_key = 'calves' AND role = 'secondary'",
                    "UPDATE exercise_metrics SET is_required = false WHERE exercise_key = 'barbell-squat' AND metric_type_key = 'weight'",
                    "INSERT INTO licenses (license_key, name, requires_attribution, source_type) VALUES ('cc-by-4-0', 'CC BY 4.0', true, 'admin')",
                ], in: backend)
            let report = try await run(against: backend)
            let found = report.tables.flatMap { table in
                table.differences.map {
                    "\(table.table) \($0.kind.rawValue) (\($0.keyDescription)) \($0.field ?? "-") \($0.rule.rawValue)"
                }
            }
            #expect(
                found.sorted() == [
                    "body_regions field (body_region_key=core) sort_order integer.exact",
                    "equipment field (equipment_key=barbell) is_bodyweight boolean.strict",
                    "exercise_metrics field (exercise_key=barbell-squat, metric_type_key=weight) is_required boolean.strict",
                    "exercise_muscles missing_in_remote (exercise_key=barbell-squat, muscle_key=calves, role=secondary) - row.presence",
                    "exercises field (exercise_key=barbell-deadlift) instructions array.ordered",
                    "exercises field (exercise_key=barbell-squat) name text.trim-nfc",
                    "force_types extra_in_remote (force_key=isometric) - row.presence",
                    "force_types field (force_key=push) name text.trim-nfc",
                    "muscles field (muscle_key=forearms) latin_name text.nullable-blank-is-null",
                    "muscles field (muscle_key=lower-back) name text.trim-nfc",
                    "scoring_coefficients field (formula_key=dots, variant=male, coefficient=a) value decimal.exact",
                    "scoring_formulas field (formula_key=epley) variables json.object",
                    "set_types missing_in_remote (set_type_key=amrap) - row.presence",
                    "units field (unit_key=kg) aliases array.set",
                    "units field (unit_key=lb) si_factor decimal.exact",
                ])
            #expect(!report.passed)
            // Against the third side, the bundle's JSON, every planted difference lies with the backend.
            let outliers = report.tables.flatMap(\.differences).map {
                "\($0.table) \($0.keyDescription): \($0.outlier?.rawValue ?? "none")"
            }
            #expect(outliers.filter { !$0.hasSuffix(": remote") }.isEmpty, "\(outliers)")
            // The admin row is listed, not a failure...
            let licenses = try #require(report.tables.first { $0.table == "licenses" })
            #expect(licenses.passed && licenses.adminRows == [JSONObject(["license_key": "cc-by-4-0"])])
            // ...unless strict.
            let strict = try await run(against: backend, strict: true, tables: ["licenses"])
            #expect(strict.tables.first?.differences.map(\.kind) == [.extraInRemote])
            // Each difference carries both raw and both normalized values.
            let lb = report.tables.first { $0.table == "units" }?.differences.first { $0.field == "si_factor" }
            #expect(lb?.localRaw == .number(JSONNumber(literal: "0.45359237")))
            #expect(lb?.remoteRaw == .number(JSONNumber(literal: "0.45359238")))
            #expect(lb?.localNormalized == .number(JSONNumber(literal: "0.45359237")))
        }
    }

    @Test("the equivalences the contract promises stay green: outer whitespace, trailing zeros, a reordered set")
    func equivalencesStayGreen() async throws {
        try await ParityHarness.withSeededBackend { backend in
            try await ParityHarness.plant(
                [
                    "UPDATE exercises SET name = '  ' || name || E'\\n' WHERE exercise_key = 'barbell-squat'",
                    "UPDATE units SET si_factor = 0.4535923700 WHERE unit_key = 'lb'",
                    "UPDATE scoring_coefficients SET value = value * 1.000 WHERE formula_key = 'dots'",
                    "UPDATE units SET aliases = ARRAY(SELECT x FROM unnest(aliases) AS t(x) ORDER BY x DESC) WHERE unit_key = 'kg'",
                    "UPDATE muscles SET latin_name = '   ' WHERE muscle_key = 'forearms'",
                ], in: backend)
            let report = try await run(against: backend)
            #expect(report.passed, "\(report.text(colors: false))")
        }
    }

    @Test("row order and key order on the wire do not matter; type drift on the wire is caught")
    func wireShape() async throws {
        try await ParityHarness.withSeededBackend { backend in
            let body = try await HTTP.request(backend.url("/api/v1/reference/bootstrap")).body
            let local = try await LocalJsonSqliteProvider(
                sourceDirectory: ReferenceDataLocation.projectDirectory,
                databasePath: FileManager.default.temporaryDirectory.appendingPathComponent(
                    "wire-\(UUID().uuidString.prefix(8)).sqlite"
                ).path
            ).getBootstrap()

            func compare(_ document: JSONValue) throws -> [Difference] {
                let remote = try ReferenceBootstrap(json: document)
                return ReferenceCatalog.tables.flatMap { spec in
                    TableDiffer().compare(local: local.tables[spec.name]!, remote: remote.tables[spec.name]!)
                        .differences
                }
            }
            func edit(_ table: String, _ change: ([JSONValue]) -> [JSONValue]) throws -> JSONValue {
                var root = try JSONParser.parse(body).objectValue!
                var tables = root["tables"]!.objectValue!
                tables[table] = .array(change(tables[table]!.arrayValue!))
                root["tables"] = .object(tables)
                return .object(root)
            }
            func editRow(_ row: JSONValue, _ change: (inout JSONObject) -> Void) -> JSONValue {
                var object = row.objectValue!
                change(&object)
                return .object(object)
            }

            // Rows reversed, keys of every row reversed: still in parity.
            let shuffled = try edit("exercises") { rows in
                rows.reversed().map { row in .object(JSONObject(Array(row.objectValue!.members.reversed()))) }
            }
            #expect(try compare(shuffled).isEmpty)

            // A number sent as a string, a boolean as 0/1, a field dropped: each a type difference there.
            let drifted = [
                try edit("body_regions") { rows in
                    rows.map { editRow($0) { $0["sort_order"] = .string($0["sort_order"]!.description) } }
                },
                try edit("equipment") { rows in
                    rows.map { editRow($0) { $0["is_bodyweight"] = $0["is_bodyweight"] == .bool(true) ? 1 : 0 } }
                },
                try edit("muscles") { rows in rows.map { editRow($0) { $0["name"] = nil } } },
            ]
            let expectations = [
                ("body_regions", "sort_order", 3), ("equipment", "is_bodyweight", 12), ("muscles", "name", 17),
            ]
            for (document, (table, field, count)) in zip(drifted, expectations) {
                let differences = try compare(document)
                #expect(differences.count == count, "\(table).\(field)")
                #expect(differences.allSatisfy { $0.kind == .type && $0.table == table && $0.field == field })
            }
        }
    }
}
