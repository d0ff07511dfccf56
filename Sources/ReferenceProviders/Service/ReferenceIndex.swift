import Foundation
import ReferenceCatalog

/// The bootstrap rearranged for the facade's lookups. Built once per load.
struct ReferenceIndex: Sendable {
    let version: String
    var exercises: [String: ExerciseSummary] = [:]
    var instructions: [String: [String]] = [:]
    var images: [String: [String]] = [:]
    var oneRepMaxFormula: [String: String] = [:]
    var aliases: [String: [String]] = [:]
    var secondaryMuscles: [String: [String]] = [:]
    var metrics: [String: [TrackedMetric]] = [:]
    var categories: [String: String] = [:]
    var categoryOrder: [(key: String, name: String)] = []
    var levels: Set<String> = []
    var levelOrder: [(key: String, name: String)] = []
    var equipment: [String: String] = [:]
    var muscles: [String: String] = [:]
    var units: [String: (metric: String, factor: Double)] = [:]
    var unitSymbols: [String: String] = [:]
    var formulas: [String: ScoringFormula] = [:]

    init(_ bootstrap: ReferenceBootstrap) {
        version = bootstrap.referenceVersion
        func rows(_ name: String) -> [(ReferenceRow, TableSpec)] {
            guard let table = bootstrap.tables[name] else { return [] }
            return table.rows.map { ($0, table.spec) }
        }
        func text(_ row: (ReferenceRow, TableSpec), _ column: String) -> String? {
            row.0[column, in: row.1]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func int(_ row: (ReferenceRow, TableSpec), _ column: String) -> Int? {
            if case .number(let number)? = row.0[column, in: row.1] { return Int(number.literal) }
            return nil
        }
        func strings(_ row: (ReferenceRow, TableSpec), _ column: String) -> [String] {
            row.0[column, in: row.1]?.arrayValue?.compactMap(\.stringValue) ?? []
        }

        var equipmentOf: [String: [String]] = [:]
        for row in rows("exercise_equipment") {
            equipmentOf[text(row, "exercise_key")!, default: []].append(text(row, "equipment_key")!)
        }
        var primaryOf: [String: [String]] = [:]
        for row in rows("exercise_muscles") {
            let exercise = text(row, "exercise_key")!
            if text(row, "role") == "primary" {
                primaryOf[exercise, default: []].append(text(row, "muscle_key")!)
            } else {
                secondaryMuscles[exercise, default: []].append(text(row, "muscle_key")!)
            }
        }
        for row in rows("exercises") {
            guard let key = text(row, "exercise_key") else { continue }
            exercises[key] = ExerciseSummary(
                key: key, name: text(row, "name") ?? key, categoryKey: text(row, "category_key") ?? "",
                levelKey: text(row, "level_key") ?? "", forceKey: text(row, "force_key"),
                mechanicKey: text(row, "mechanic_key"), equipmentKeys: equipmentOf[key] ?? [],
                primaryMuscleKeys: primaryOf[key] ?? [])
            instructions[key] = strings(row, "instructions")
            images[key] = strings(row, "image_paths")
            oneRepMaxFormula[key] = text(row, "one_rm_formula_key")
        }
        for row in rows("exercise_aliases") {
            aliases[text(row, "exercise_key")!, default: []].append(text(row, "alias")!)
        }
        for row in rows("exercise_metrics") {
            metrics[text(row, "exercise_key")!, default: []].append(
                TrackedMetric(
                    metricTypeKey: text(row, "metric_type_key")!,
                    isRequired: row.0["is_required", in: row.1] == .bool(true),
                    defaultUnitKey: text(row, "default_unit_key"), sortOrder: int(row, "sort_order") ?? 0))
        }
        for key in metrics.keys { metrics[key]!.sort { $0.sortOrder < $1.sortOrder } }
        let sortedCategories = rows("exercise_categories").sorted {
            (int($0, "sort_order") ?? 0) < (int($1, "sort_order") ?? 0)
        }
        for row in sortedCategories {
            categories[text(row, "category_key")!] = text(row, "name")
            categoryOrder.append((text(row, "category_key")!, text(row, "name") ?? ""))
        }
        for row in rows("difficulty_levels").sorted(by: { (int($0, "rank") ?? 0) < (int($1, "rank") ?? 0) }) {
            levels.insert(text(row, "level_key")!)
            levelOrder.append((text(row, "level_key")!, text(row, "name") ?? ""))
        }
        for row in rows("equipment") { equipment[text(row, "equipment_key")!] = text(row, "name") ?? "" }
        for row in rows("muscles") { muscles[text(row, "muscle_key")!] = text(row, "name") ?? "" }
        for row in rows("units") {
            let factor: Double
            if case .number(let number)? = row.0["si_factor", in: row.1] {
                factor = Double(number.literal) ?? .nan
            } else {
                factor = .nan
            }
            units[text(row, "unit_key")!] = (text(row, "metric_type_key") ?? "", factor)
            unitSymbols[text(row, "unit_key")!] = text(row, "symbol")
        }
        var coefficients: [String: [String: [String: String]]] = [:]
        for row in rows("scoring_coefficients") {
            if case .number(let number)? = row.0["value", in: row.1] {
                coefficients[text(row, "formula_key")!, default: [:]][text(row, "variant")!, default: [:]][
                    text(row, "coefficient")!] = number.literal
            }
        }
        for row in rows("scoring_formulas") {
            let key = text(row, "formula_key")!
            formulas[key] = ScoringFormula(
                key: key, name: text(row, "name") ?? key, kind: text(row, "kind") ?? "",
                expression: text(row, "expression") ?? "",
                minReps: int(row, "min_reps"), maxReps: int(row, "max_reps"), citation: text(row, "citation"),
                coefficients: coefficients[key] ?? [:])
        }
    }
}
