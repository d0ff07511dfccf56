import Foundation
import ReferenceCatalog

/// The bootstrap rearranged for the facade's lookups. Built once per load. It never traps on data: a row
/// without a key it needs is a ``ReferenceProviderError/unusableData(table:row:field:reason:)``.
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

    init(_ bootstrap: ReferenceBootstrap) throws(ReferenceProviderError) {
        version = bootstrap.referenceVersion
        typealias Row = (row: ReferenceRow, spec: TableSpec, index: Int)
        func rows(_ name: String) -> [Row] {
            guard let table = bootstrap.tables[name] else { return [] }
            return table.rows.enumerated().map { ($0.element, table.spec, $0.offset) }
        }
        func text(_ row: Row, _ column: String) -> String? {
            row.row[column, in: row.spec]?.stringValue?.trimmingWhiteSpace()
        }
        /// A key the index cannot do without: its absence (or a non-text value) is a typed error.
        func key(_ row: Row, _ column: String) throws(ReferenceProviderError) -> String {
            guard let value = text(row, column), !value.isEmpty else {
                let found = row.row[column, in: row.spec].map { "found \($0.kindName)" } ?? "missing"
                throw .unusableData(
                    table: row.spec.name, row: row.index, field: column, reason: "\(found), expected text")
            }
            return value
        }
        /// An integer the index reads: nil when absent or null; anything else that is not an integer the
        /// app's `Int` holds is a typed error, never a silent 0.
        func int(_ row: Row, _ column: String) throws(ReferenceProviderError) -> Int? {
            guard let value = row.row[column, in: row.spec], value != .null else { return nil }
            guard case .number(let number) = value, let integer = number.int64Value, let result = Int(exactly: integer)
            else {
                throw .unusableData(
                    table: row.spec.name, row: row.index, field: column,
                    reason: "found \(value.kindName) \(value), expected an integer")
            }
            return result
        }
        /// A number the index computes with: it must be a `Double` (finite; not a non-zero value that would
        /// become 0).
        func double(_ row: Row, _ column: String) throws(ReferenceProviderError) -> Double {
            let value = row.row[column, in: row.spec]
            guard case .number(let number)? = value, let result = number.finiteDoubleValue else {
                let found = value.map { "found \($0.kindName) \($0)" } ?? "missing"
                throw .unusableData(
                    table: row.spec.name, row: row.index, field: column,
                    reason: "\(found), expected a number a Double holds (finite, not rounded to 0)")
            }
            return result
        }
        /// Rows with their integer `column` read first (so that sorting cannot meet a bad value).
        func sorted(_ rows: [Row], by column: String) throws(ReferenceProviderError) -> [Row] {
            var keyed: [(Row, Int)] = []
            for row in rows { keyed.append((row, try int(row, column) ?? 0)) }
            return keyed.enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }.map(\.element.0)
        }
        func strings(_ row: Row, _ column: String) -> [String] {
            row.row[column, in: row.spec]?.arrayValue?.compactMap(\.stringValue) ?? []
        }

        var equipmentOf: [String: [String]] = [:]
        for row in rows("exercise_equipment") {
            equipmentOf[try key(row, "exercise_key"), default: []].append(try key(row, "equipment_key"))
        }
        var primaryOf: [String: [String]] = [:]
        for row in rows("exercise_muscles") {
            let exercise = try key(row, "exercise_key")
            if text(row, "role") == "primary" {
                primaryOf[exercise, default: []].append(try key(row, "muscle_key"))
            } else {
                secondaryMuscles[exercise, default: []].append(try key(row, "muscle_key"))
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
            aliases[try key(row, "exercise_key"), default: []].append(try key(row, "alias"))
        }
        for row in rows("exercise_metrics") {
            metrics[try key(row, "exercise_key"), default: []].append(
                TrackedMetric(
                    metricTypeKey: try key(row, "metric_type_key"),
                    isRequired: row.row["is_required", in: row.spec] == .bool(true),
                    defaultUnitKey: text(row, "default_unit_key"), sortOrder: try int(row, "sort_order") ?? 0))
        }
        metrics = metrics.mapValues { $0.sorted { $0.sortOrder < $1.sortOrder } }
        for row in try sorted(rows("exercise_categories"), by: "sort_order") {
            categories[try key(row, "category_key")] = text(row, "name")
            categoryOrder.append((try key(row, "category_key"), text(row, "name") ?? ""))
        }
        for row in try sorted(rows("difficulty_levels"), by: "rank") {
            levels.insert(try key(row, "level_key"))
            levelOrder.append((try key(row, "level_key"), text(row, "name") ?? ""))
        }
        for row in rows("equipment") { equipment[try key(row, "equipment_key")] = text(row, "name") ?? "" }
        for row in rows("muscles") { muscles[try key(row, "muscle_key")] = text(row, "name") ?? "" }
        for row in rows("units") {
            units[try key(row, "unit_key")] = (text(row, "metric_type_key") ?? "", try double(row, "si_factor"))
            unitSymbols[try key(row, "unit_key")] = text(row, "symbol")
        }
        var coefficients: [String: [String: [String: String]]] = [:]
        for row in rows("scoring_coefficients") {
            if case .number(let number)? = row.row["value", in: row.spec] {
                coefficients[try key(row, "formula_key"), default: [:]][try key(row, "variant"), default: [:]][
                    try key(row, "coefficient")] = number.literal
            }
        }
        for row in rows("scoring_formulas") {
            let key = try key(row, "formula_key")
            formulas[key] = ScoringFormula(
                key: key, name: text(row, "name") ?? key, kind: text(row, "kind") ?? "",
                expression: text(row, "expression") ?? "",
                minReps: try int(row, "min_reps"), maxReps: try int(row, "max_reps"), citation: text(row, "citation"),
                coefficients: coefficients[key] ?? [:])
        }
    }
}
