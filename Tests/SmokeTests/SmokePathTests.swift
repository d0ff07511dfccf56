import Foundation
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// The plan's required UI smoke paths, run through the app's facade (``ExerciseConfigService``) in each mode:
/// flag OFF (local JSON/SQLite), flag ON (remote over HTTP), and warm offline (flag ON, backend gone, cached
/// bootstrap allowed). Every path must give the same answers in every mode.
@Suite("Smoke paths", .integration)
struct SmokePathTests {
    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        case flagOff = "flag OFF", flagOn = "flag ON", warmOffline = "warm offline"
        var testDescription: String { rawValue }
    }

    /// Runs `body` with a service in `mode`, then stops the backend it started and removes its scratch files,
    /// however `body` ends.
    func withService(_ mode: Mode, _ body: (ExerciseConfigService) async throws -> Void) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smoke-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (service, backend) = try await service(mode, scratch: scratch)
        do {
            try await body(service)
        } catch {
            await backend?.stop()
            throw error
        }
        await backend?.stop()
    }

    /// A service in `mode`, and the backend that must be kept alive until the test ends.
    func service(_ mode: Mode, scratch: URL) async throws -> (ExerciseConfigService, LiveBackend?) {
        var environment = [
            "REFERENCE_DATA_DIR": ReferenceDataLocation.projectDirectory.path,
            "REFERENCE_SQLITE_PATH": scratch.appendingPathComponent("local.sqlite").path,
            "REFERENCE_CACHE_DIR": scratch.appendingPathComponent("cache").path,
            "REFERENCE_HTTP_TIMEOUT": "60",
        ]
        if mode == .flagOff {
            return (
                ExerciseConfigService(provider: createReferenceProvider(config: try .fromEnvironment(environment))), nil
            )
        }
        let backend = try await ParityHarness.seededBackend()
        environment["USE_BACKEND_REFERENCE"] = "true"
        environment["REFERENCE_BACKEND_URL"] = backend.baseURL.absoluteString
        let configuration = try ReferenceProviderConfiguration.fromEnvironment(environment)
        if mode == .flagOn {
            return (ExerciseConfigService(provider: createReferenceProvider(config: configuration)), backend)
        }
        // Warm the cache online, then lose the backend.
        _ = try await createReferenceProvider(config: configuration).getBootstrap()
        await backend.stop()
        let offline = ExerciseConfigService(
            provider: createReferenceProvider(config: configuration), options: BootstrapOptions(allowStaleCache: true))
        return (offline, nil)
    }

    @Test("exercise library: browse and filter", arguments: Mode.allCases)
    func browseAndFilter(mode: Mode) async throws {
        try await withService(mode) { service in
            let all = try await service.exercises()
            #expect(all.count == 873)
            #expect(zip(all, all.dropFirst()).allSatisfy { ($0.name, $0.key) < ($1.name, $1.key) })
            let chestWithBarbell = try await service.exercises(
                matching: ExerciseFilter(equipmentKey: "barbell", primaryMuscleKey: "chest"))
            #expect(chestWithBarbell.map(\.key).contains("barbell-bench-press-medium-grip"))
            #expect(
                chestWithBarbell.allSatisfy {
                    $0.equipmentKeys.contains("barbell") && $0.primaryMuscleKeys.contains("chest")
                })
            let byAlias = try await service.exercises(matching: ExerciseFilter(text: "RDL"))
            #expect(byAlias.map(\.key).contains("romanian-deadlift"))
            let beginnerStretches = try await service.exercises(
                matching: ExerciseFilter(categoryKey: "stretching", levelKey: "beginner"))
            #expect(!beginnerStretches.isEmpty && beginnerStretches.allSatisfy { $0.categoryKey == "stretching" })
            let detail = try #require(try await service.exercise("barbell-squat"))
            #expect(detail.instructions.count == 6 && detail.imagePaths.count == 2)
            #expect(detail.summary.primaryMuscleKeys == ["quadriceps"])
            #expect(Set(detail.secondaryMuscleKeys) == ["calves", "glutes", "hamstrings", "lower-back"])
        }
    }

    @Test("exercise edit and create: choices and validation", arguments: Mode.allCases)
    func editAndCreate(mode: Mode) async throws {
        try await withService(mode) { service in
            let choices = try await service.editorChoices()
            #expect(choices.categories.first?.key == "strength")
            #expect(choices.levels.map(\.key) == ["beginner", "intermediate", "expert"])
            #expect(choices.equipment.count == 12 && choices.muscles.count == 17)
            let valid = ExerciseDraft(
                key: "landmine-press", name: "Landmine press", categoryKey: "strength", levelKey: "intermediate",
                equipmentKeys: ["barbell"], primaryMuscleKeys: ["shoulders"], secondaryMuscleKeys: ["triceps"])
            #expect(try await service.validate(valid).isEmpty)
            let invalid = ExerciseDraft(
                key: "barbell-squat", name: " ", categoryKey: "yoga", levelKey: "master", equipmentKeys: ["sled"],
                primaryMuscleKeys: ["pecs"])
            #expect(
                try await service.validate(invalid) == [
                    "name: required", "category: unknown 'yoga'", "level: unknown 'master'",
                    "equipment: unknown 'sled'",
                    "muscle: unknown 'pecs'", "key: 'barbell-squat' is taken by Barbell Squat",
                ])
        }
    }

    @Test("live workout: exercise selection with metrics and default units", arguments: Mode.allCases)
    func workoutSelection(mode: Mode) async throws {
        try await withService(mode) { service in
            let entries = try await service.workoutPicker(search: "barbell squat", limit: 50)
            let squat = try #require(entries.first { $0.key == "barbell-squat" })
            #expect(
                squat.metrics == [
                    PickerEntry.Metric(metricTypeKey: "reps", unitSymbol: "rep", isRequired: true),
                    PickerEntry.Metric(metricTypeKey: "weight", unitSymbol: "kg", isRequired: true),
                ])
            let run = try #require(try await service.workoutPicker(search: "treadmill run").first)
            #expect(run.metrics.map(\.metricTypeKey) == ["duration", "distance"])
        }
    }

    @Test("scoring: formulas, coefficients and 1RM estimates from the data", arguments: Mode.allCases)
    func scoring(mode: Mode) async throws {
        try await withService(mode) { service in
            let epley = try #require(try await service.estimateOneRepMax(formula: "epley", weight: 100, reps: 5))
            #expect(abs(epley - 100 * (1 + 5.0 / 30)) < 1e-9)
            let brzycki = try #require(try await service.estimateOneRepMax(formula: "brzycki", weight: 100, reps: 5))
            #expect(abs(brzycki - 100 * 36 / 32) < 1e-9)
            #expect(try await service.estimateOneRepMax(formula: "epley", weight: 100, reps: 25) == nil)
            let dots = try #require(try await service.scoringFormula("dots"))
            #expect(dots.kind == "relative_strength")
            #expect(dots.coefficients["male"]?["a"].flatMap(ExactDecimal.init) == ExactDecimal("-0.000001093"))
            #expect(dots.citation?.contains("The OpenPowerlifting Project") == true)
            let kilograms = try #require(try await service.convert(100, from: "lb", to: "kg"))
            #expect(abs(kilograms - 45.359237) < 1e-9)
            #expect(try await service.convert(1, from: "kg", to: "km") == nil)
        }
    }

    @Test("every path answers the same in every mode")
    func modesAgree() async throws {
        var libraries: [[ExerciseSummary]] = []
        var pickers: [[PickerEntry]] = []
        var formulas: [ScoringFormula?] = []
        for mode in Mode.allCases {
            try await withService(mode) { service in
                libraries.append(try await service.exercises(matching: ExerciseFilter(text: "press")))
                pickers.append(try await service.workoutPicker(search: "curl", limit: 100))
                formulas.append(try await service.scoringFormula("ipf-goodlift"))
            }
        }
        #expect(libraries.allSatisfy { $0 == libraries[0] } && !libraries[0].isEmpty)
        #expect(pickers.allSatisfy { $0 == pickers[0] } && !pickers[0].isEmpty)
        #expect(formulas.allSatisfy { $0 == formulas[0] } && formulas[0] != nil)
    }
}
