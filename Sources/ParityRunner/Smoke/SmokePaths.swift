import Foundation
import ReferenceProviders

/// The plan's four smoke paths (Phase 6), each run through `ExerciseConfigService` as the app runs it, and
/// each answering with lines of text that can be compared across modes exactly.
public struct SmokePath: Sendable {
    public let name: String
    public let run: @Sendable (ExerciseConfigService) async throws -> [String]

    public static let all: [SmokePath] = [library, editor, workout, scoring]

    /// Library browse and filter: the whole library in display order, and four filters.
    public static let library = SmokePath(name: "library browse/filter") { service in
        var lines = try await service.exercises().map { "\($0.key) | \($0.name) | \($0.categoryKey) | \($0.levelKey)" }
        let filters: [(String, ExerciseFilter)] = [
            ("chest with barbell", ExerciseFilter(equipmentKey: "barbell", primaryMuscleKey: "chest")),
            ("text RDL", ExerciseFilter(text: "RDL")),
            ("beginner stretching", ExerciseFilter(categoryKey: "stretching", levelKey: "beginner")),
            ("text press", ExerciseFilter(text: "press")),
        ]
        for (label, filter) in filters {
            lines.append(
                "filter \(label): " + (try await service.exercises(matching: filter)).map(\.key).joined(separator: ","))
        }
        if let detail = try await service.exercise("barbell-squat") {
            lines.append(
                "detail barbell-squat: \(detail.instructions.count) steps, \(detail.imagePaths.count) images, "
                    + "primary \(detail.summary.primaryMuscleKeys), secondary \(detail.secondaryMuscleKeys.sorted()), "
                    + "aliases \(detail.aliases.sorted()), metrics \(detail.metrics.map(\.metricTypeKey))")
        }
        return lines
    }

    /// Exercise edit and create: the editor's choices, and the validation of a valid and an invalid draft.
    public static let editor = SmokePath(name: "exercise edit/create validation") { service in
        let choices = try await service.editorChoices()
        func list(_ pairs: [(key: String, name: String)]) -> String {
            pairs.map { "\($0.key)=\($0.name)" }.joined(separator: ", ")
        }
        var lines: [String] = []
        lines.append("categories: " + list(choices.categories))
        lines.append("levels: " + list(choices.levels))
        lines.append("equipment: " + list(choices.equipment))
        lines.append("muscles: " + list(choices.muscles))
        let valid = ExerciseDraft(
            key: "landmine-press", name: "Landmine press", categoryKey: "strength", levelKey: "intermediate",
            equipmentKeys: ["barbell"], primaryMuscleKeys: ["shoulders"], secondaryMuscleKeys: ["triceps"])
        let invalid = ExerciseDraft(
            key: "barbell-squat", name: " ", categoryKey: "yoga", levelKey: "master", equipmentKeys: ["sled"],
            primaryMuscleKeys: ["pecs"])
        lines.append("valid draft: " + (try await service.validate(valid)).joined(separator: "; "))
        lines.append("invalid draft: " + (try await service.validate(invalid)).joined(separator: "; "))
        return lines
    }

    /// Live workout exercise selection: picker entries with their metrics and default units.
    public static let workout = SmokePath(name: "live workout exercise selection") { service in
        var lines: [String] = []
        for search in ["barbell squat", "treadmill run", "curl"] {
            for entry in try await service.workoutPicker(search: search, limit: 50) {
                let metrics = entry.metrics.map {
                    "\($0.metricTypeKey)[\($0.unitSymbol ?? "-")\($0.isRequired ? ", required" : "")]"
                }
                lines.append("\(search): \(entry.key) | \(entry.name) | \(metrics.joined(separator: " "))")
            }
        }
        return lines
    }

    /// Scoring lookups: formulas, coefficients, 1RM estimates and unit conversions from the data.
    public static let scoring = SmokePath(name: "scoring lookups") { service in
        var lines: [String] = []
        for key in ["epley", "brzycki", "dots", "ipf-goodlift", "wilks"] {
            guard let formula = try await service.scoringFormula(key) else {
                lines.append("formula \(key): none")
                continue
            }
            let coefficients = formula.coefficients.keys.sorted().map { variant in
                variant + "{"
                    + (formula.coefficients[variant] ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            }
            lines.append(
                "formula \(key): \(formula.kind) \(formula.expression) reps \(formula.minReps.map(String.init) ?? "-")-"
                    + "\(formula.maxReps.map(String.init) ?? "-") \(coefficients.joined(separator: " "))")
        }
        for (formula, reps) in [("epley", 5), ("brzycki", 5), ("epley", 25)] {
            let estimate = try await service.estimateOneRepMax(formula: formula, weight: 100, reps: reps)
            lines.append("1RM \(formula) 100x\(reps): \(estimate.map { String(format: "%.6f", $0) } ?? "none")")
        }
        for (from, to) in [("lb", "kg"), ("mi", "km"), ("kg", "km")] {
            let converted = try await service.convert(100, from: from, to: to)
            lines.append("100 \(from) in \(to): \(converted.map { String(format: "%.9f", $0) } ?? "none")")
        }
        return lines
    }
}
