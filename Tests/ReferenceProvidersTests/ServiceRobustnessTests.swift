import Foundation
import PropertyBased
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// `ExerciseConfigService` never traps on data: bootstraps mutated at random (a field dropped, a type changed,
/// a reference dangling, a key duplicated, a table emptied, `1e400`, a 1 MB string, a NUL byte) give, on every
/// call, a typed error or an answer. A trap would end the test process, so reaching the end is the property.
@Suite("ExerciseConfigService never traps")
struct ServiceRobustnessTests {
    /// The facade's input as it is: a bootstrap held in memory. (This tests the facade alone; the providers
    /// that feed it in the app are tested against real SQLite and a real backend elsewhere.)
    struct GivenBootstrap: ReferenceDataProvider {
        let bootstrap: ReferenceBootstrap
        func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap { bootstrap }
    }

    static let base: JSONObject = {
        let fixture = try! SourceFixture.small()
        var tables = JSONObject()
        for spec in ReferenceCatalog.tables {
            tables.append(spec.name, .array((fixture.tables[spec.name] ?? []).map { .object($0) }))
        }
        return JSONObject(["schemaVersion": 4, "referenceVersion": "1.test", "tables": .object(tables)])
    }()

    enum Mutation: CaseIterable {
        case dropField, changeType, dangle, duplicate, emptyTable, hugeNumber, hugeString, nulByte
    }

    static func mutate(
        _ document: JSONObject, _ mutation: Mutation, table tableIndex: Int, row rowSeed: Int, column columnSeed: Int
    ) -> JSONObject {
        let spec = ReferenceCatalog.tables[tableIndex % ReferenceCatalog.tables.count]
        var tables = document["tables"]!.objectValue!
        var rows = tables[spec.name]!.arrayValue!
        if mutation == .emptyTable || rows.isEmpty {
            tables[spec.name] = .array([])
        } else {
            let index = rowSeed % rows.count
            var row = rows[index].objectValue!
            let column = spec.columns[columnSeed % spec.columns.count]
            switch mutation {
            case .dropField: row[column.name] = nil
            case .changeType:
                row[column.name] =
                    switch row[column.name] {
                    case .string?: .number(JSONNumber(7))
                    case .number?: .string("seven")
                    case .bool?: .string("true")
                    case .array?: .object(JSONObject())
                    default: .bool(true)
                    }
            case .dangle:
                let foreign = spec.foreignKeys.first?.columns.first ?? column.name
                row[foreign] = "no-such-row"
            case .duplicate: rows.append(.object(row))
            case .hugeNumber: row[column.name] = .number(JSONNumber(literal: "1e400"))
            case .hugeString: row[column.name] = .string(String(repeating: "x", count: 1 << 20))
            case .nulByte: row[column.name] = .string("a\u{0}b")
            case .emptyTable: break
            }
            rows[index] = .object(row)
            tables[spec.name] = .array(rows)
        }
        var copy = document
        copy["tables"] = .object(tables)
        return copy
    }

    /// Calls every facade method; each must answer or throw a typed error.
    static func exercise(_ service: ExerciseConfigService) async {
        func check<T>(_ call: () async throws -> T) async {
            do {
                _ = try await call()
            } catch is ReferenceProviderError {
            } catch {
                Issue.record("untyped error \(type(of: error)): \(error)")
            }
        }
        await check { try await service.exercises() }
        await check { try await service.exercises(matching: ExerciseFilter(text: "squat")) }
        await check { try await service.exercise("barbell-squat") }
        await check { try await service.editorChoices() }
        await check {
            try await service.validate(
                ExerciseDraft(
                    key: "new-one", name: "New", categoryKey: "strength", levelKey: "beginner",
                    primaryMuscleKeys: ["chest"]))
        }
        await check { try await service.workoutPicker(search: "a", limit: 10) }
        await check { try await service.scoringFormula("epley") }
        await check { try await service.estimateOneRepMax(formula: "epley", weight: 100, reps: 5) }
        await check { try await service.convert(1, from: "lb", to: "kg") }
    }

    @Test("every call on a randomly broken bootstrap returns a typed error or an answer")
    func randomMutations() async {
        let exercised = Counter()
        await propertyCheck(
            count: 150,
            input: Gen.int(in: 0...7), Gen.int(in: 0...1000), Gen.int(in: 0...1000), Gen.int(in: 0...1000)
        ) { mutationIndex, table, row, column in
            let mutation = Mutation.allCases[mutationIndex]
            let document = Self.mutate(Self.base, mutation, table: table, row: row, column: column)
            guard let bootstrap = try? ReferenceBootstrap(json: .object(document)) else { return }
            await Self.exercise(ExerciseConfigService(provider: GivenBootstrap(bootstrap: bootstrap)))
            exercised.increment()
        }
        // The mutations keep the wrapper readable, so (nearly) every case reaches the facade.
        #expect(exercised.count >= 140, "only \(exercised.count) of 150 mutated documents reached the facade")
    }

    @Test("a row without its key is a typed error naming table, row and field")
    func missingKeyIsTyped() async throws {
        var tables = Self.base["tables"]!.objectValue!
        var rows = tables["exercise_aliases"]!.arrayValue!
        var first = rows[0].objectValue!
        first["exercise_key"] = nil
        rows[0] = .object(first)
        tables["exercise_aliases"] = .array(rows)
        var document = Self.base
        document["tables"] = .object(tables)
        let service = ExerciseConfigService(
            provider: GivenBootstrap(bootstrap: try ReferenceBootstrap(json: .object(document))))
        let error = await #expect(throws: ReferenceProviderError.self) { try await service.exercises() }
        guard case .unusableData(let table, let row, let field, _)? = error else {
            Issue.record("expected unusableData, got \(String(describing: error))")
            return
        }
        #expect((table, row, field) == ("exercise_aliases", 0, "exercise_key"))
    }

    @Test(
        "a number the facade reads that its type cannot hold is a typed error naming table, row and field",
        arguments: [
            ("units", "si_factor", "1e400"), ("units", "si_factor", "-1e309"), ("units", "si_factor", "1e-400"),
            ("exercise_categories", "sort_order", "1.5"), ("difficulty_levels", "rank", "99999999999999999999"),
            ("scoring_formulas", "min_reps", "2.5"), ("exercise_metrics", "sort_order", "1e3"),
        ])
    func unholdableNumbersAreTyped(table: String, field: String, literal: String) async throws {
        var tables = Self.base["tables"]!.objectValue!
        var rows = try #require(tables[table]?.arrayValue)
        let index = rows.count - 1
        var row = rows[index].objectValue!
        row[field] = .number(JSONNumber(literal: literal))
        rows[index] = .object(row)
        tables[table] = .array(rows)
        var document = Self.base
        document["tables"] = .object(tables)
        let service = ExerciseConfigService(
            provider: GivenBootstrap(bootstrap: try ReferenceBootstrap(json: .object(document))))
        let error = await #expect(throws: ReferenceProviderError.self) {
            try await service.convert(1, from: "lb", to: "kg")
        }
        guard case .unusableData(let named, let rowIndex, let namedField, _)? = error else {
            Issue.record("expected unusableData, got \(String(describing: error))")
            return
        }
        #expect((named, rowIndex, namedField) == (table, index, field))
    }

    @Test("a formula whose literal or result is not a finite number is a typed error, not an infinite estimate")
    func unholdableFormulaNumbers() async throws {
        var tables = Self.base["tables"]!.objectValue!
        var rows = try #require(tables["scoring_formulas"]?.arrayValue)
        let position = try #require(rows.firstIndex { $0["formula_key"]?.stringValue == "epley" })
        for expression in ["w * 1" + String(repeating: "0", count: 400), "w / (r - r)"] {
            var row = rows[position].objectValue!
            row["expression"] = .string(expression)
            rows[position] = .object(row)
            tables["scoring_formulas"] = .array(rows)
            var document = Self.base
            document["tables"] = .object(tables)
            let service = ExerciseConfigService(
                provider: GivenBootstrap(bootstrap: try ReferenceBootstrap(json: .object(document))))
            let error = await #expect(throws: ReferenceProviderError.self) {
                try await service.estimateOneRepMax(formula: "epley", weight: 100, reps: 5)
            }
            guard case .invalidFormula(let key, _)? = error else {
                Issue.record("expected invalidFormula for \(expression.prefix(20)), got \(String(describing: error))")
                continue
            }
            #expect(key == "epley")
        }
    }
}
