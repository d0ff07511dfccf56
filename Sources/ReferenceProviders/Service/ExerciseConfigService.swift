import Foundation
import ReferenceCatalog

/// The app's public facade over reference data: what screens call, whichever provider is behind it. Its
/// methods are the "UI smoke paths" of the plan: browse and filter the exercise library, check an exercise
/// being created or edited, pick an exercise during a live workout, and look up scoring formulas.
public actor ExerciseConfigService {
    private let provider: any ReferenceDataProvider
    private let options: BootstrapOptions
    private var loaded: ReferenceIndex?

    public init(provider: any ReferenceDataProvider, options: BootstrapOptions = BootstrapOptions()) {
        self.provider = provider
        self.options = options
    }

    /// Drops what was loaded; the next call reads through the provider again.
    public func reload() { loaded = nil }

    /// The `referenceVersion` of the data in use.
    public func referenceVersion() async throws -> String { try await index().version }

    // MARK: Browse and filter

    /// Exercises matching every given criterion, sorted by name then key.
    public func exercises(matching filter: ExerciseFilter = ExerciseFilter()) async throws -> [ExerciseSummary] {
        let index = try await index()
        let query = filter.text.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        return index.exercises.values.filter { exercise in
            if let category = filter.categoryKey, exercise.categoryKey != category { return false }
            if let level = filter.levelKey, exercise.levelKey != level { return false }
            if let equipment = filter.equipmentKey, !exercise.equipmentKeys.contains(equipment) { return false }
            if let muscle = filter.primaryMuscleKey, !exercise.primaryMuscleKeys.contains(muscle) { return false }
            if let query, !query.isEmpty {
                let names = [exercise.name] + (index.aliases[exercise.key] ?? [])
                if !names.contains(where: { $0.lowercased().contains(query) }) { return false }
            }
            return true
        }
        .sorted { ($0.name, $0.key) < ($1.name, $1.key) }
    }

    /// One exercise with everything a detail screen shows, or `nil`.
    public func exercise(_ key: String) async throws -> ExerciseDetail? {
        let index = try await index()
        guard let summary = index.exercises[key] else { return nil }
        return ExerciseDetail(
            summary: summary, instructions: index.instructions[key] ?? [], imagePaths: index.images[key] ?? [],
            secondaryMuscleKeys: index.secondaryMuscles[key] ?? [], aliases: index.aliases[key] ?? [],
            metrics: index.metrics[key] ?? [], oneRepMaxFormulaKey: index.oneRepMaxFormula[key])
    }

    // MARK: Create and edit

    /// Checks a new or edited exercise against the reference data; an empty list means it can be saved.
    public func validate(_ draft: ExerciseDraft) async throws -> [String] {
        let index = try await index()
        var problems: [String] = []
        if draft.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("name: required") }
        if !index.categories.keys.contains(draft.categoryKey) {
            problems.append("category: unknown '\(draft.categoryKey)'")
        }
        if !index.levels.contains(draft.levelKey) { problems.append("level: unknown '\(draft.levelKey)'") }
        for key in draft.equipmentKeys where !index.equipment.keys.contains(key) {
            problems.append("equipment: unknown '\(key)'")
        }
        for key in draft.primaryMuscleKeys + draft.secondaryMuscleKeys where !index.muscles.keys.contains(key) {
            problems.append("muscle: unknown '\(key)'")
        }
        if draft.primaryMuscleKeys.isEmpty { problems.append("primary muscles: at least one") }
        if let existing = index.exercises[draft.key], draft.isNew {
            problems.append("key: '\(draft.key)' is taken by \(existing.name)")
        }
        if !ReferenceCatalog.isSlug(draft.key) { problems.append("key: '\(draft.key)' is not a slug") }
        return problems
    }

    /// The choices the edit screen offers: categories, levels, equipment and muscles, by display order.
    public func editorChoices() async throws -> EditorChoices {
        let index = try await index()
        return EditorChoices(
            categories: index.categoryOrder, levels: index.levelOrder,
            equipment: index.equipment.sorted { $0.value < $1.value }.map { ($0.key, $0.value) },
            muscles: index.muscles.sorted { $0.value < $1.value }.map { ($0.key, $0.value) })
    }

    // MARK: Live workout

    /// Exercises for the workout picker: name or alias search, with the metrics to log and their default
    /// units.
    public func workoutPicker(search: String, limit: Int = 20) async throws -> [PickerEntry] {
        let index = try await index()
        let matches = try await exercises(matching: ExerciseFilter(text: search))
        return matches.prefix(limit).map { exercise in
            PickerEntry(
                key: exercise.key, name: exercise.name,
                metrics: (index.metrics[exercise.key] ?? []).map { metric in
                    (metric.metricTypeKey, metric.defaultUnitKey.flatMap { index.unitSymbols[$0] }, metric.isRequired)
                }.map { PickerEntry.Metric(metricTypeKey: $0.0, unitSymbol: $0.1, isRequired: $0.2) })
        }
    }

    // MARK: Scoring

    /// A scoring formula with its coefficients by variant.
    public func scoringFormula(_ key: String) async throws -> ScoringFormula? {
        try await index().formulas[key]
    }

    /// The one-repetition maximum for `weight` lifted `reps` times, by a one_rep_max formula's expression.
    public func estimateOneRepMax(formula key: String, weight: Double, reps: Int) async throws -> Double? {
        guard let formula = try await index().formulas[key], formula.kind == "one_rep_max" else { return nil }
        if let minimum = formula.minReps, reps < minimum { return nil }
        if let maximum = formula.maxReps, reps > maximum { return nil }
        do {
            return try FormulaExpression(formula.expression).evaluate(["w": weight, "r": Double(reps)])
        } catch {
            throw ReferenceProviderError.invalidFormula(key: key, reason: "\(error)")
        }
    }

    /// Converts between units of one metric through their exact SI factors.
    public func convert(_ value: Double, from: String, to: String) async throws -> Double? {
        let index = try await index()
        guard let source = index.units[from], let target = index.units[to], source.metric == target.metric else {
            return nil
        }
        return value * source.factor / target.factor
    }

    private func index() async throws -> ReferenceIndex {
        if let loaded { return loaded }
        let bootstrap = try await provider.getBootstrap(options: options)
        let index = try ReferenceIndex(bootstrap)
        loaded = index
        return index
    }
}
