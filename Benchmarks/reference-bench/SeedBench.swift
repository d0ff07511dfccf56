import ArgumentParser
import Foundation
import Logging
import NIOCore
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// The seed: ReferenceData into an empty database and an identical re-seed (median of 5); a synthetic
/// 1,000,000-exercise source with 1,000,000 link rows, initial load and identical re-seed. Reference in the
/// same run: `psql \copy` of the same rows into the same tables, and a guarded upsert (0% changed) in psql.
struct SeedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed")

    @Option var runs = 5
    @Option var syntheticRows = 1_000_000

    func run() async throws {
        let logger = Measure.quietLogger
        let databases = try await ReferenceDatabases.throwaway(logger: logger)
        try await databases.withShutdown { databases in
            let directory = ReferenceDataLocation.projectDirectory

            var initial: [Double] = []
            var again: [Double] = []
            var dryRun: [Double] = []
            for _ in 0..<runs {
                let url = try await databases.makeDatabase()
                let (_, first) = try await Measure.time {
                    try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
                }
                let (_, second) = try await Measure.time {
                    try await Seeder(logger: logger).seed(sourceDirectory: directory, into: url)
                }
                let (plan, planned) = try await Measure.time {
                    try await Seeder(logger: logger).plan(sourceDirectory: directory, against: url)
                }
                precondition(plan.isEmpty, "the dry run after an identical seed must plan nothing")
                initial.append(first)
                again.append(second)
                dryRun.append(planned)
            }
            print("\nSeed of ReferenceData (5,999 rows, validation included), median of \(runs)\n")
            Measure.row(["run", "time", "target"])
            Measure.row(["---", "---:", "---:"])
            Measure.row(["into an empty database", Measure.ms(Measure.median(initial)), "< 300 ms"])
            Measure.row(["identical re-seed (writes nothing)", Measure.ms(Measure.median(again)), ""])
            Measure.row([
                "seed --dry-run on the seeded database (READ ONLY, writes nothing)", Measure.ms(Measure.median(dryRun)),
                "≤ identical re-seed",
            ])

            if syntheticRows > 0 { try await synthetic(databases: databases, logger: logger) }
        }
    }

    private func synthetic(databases: ReferenceDatabases, logger: Logger) async throws {
        let base = try ReferenceSource.load(from: ReferenceDataLocation.projectDirectory)
        let exercises = ReferenceCatalog.table(named: "exercises")!
        let links = ReferenceCatalog.table(named: "exercise_equipment")!
        let equipment = ["barbell", "dumbbell", "cable", "machine", "body-only", "kettlebells"]
        var exerciseRows: [[JSONValue]] = []
        var linkRows: [[JSONValue]] = []
        exerciseRows.reserveCapacity(syntheticRows)
        linkRows.reserveCapacity(syntheticRows)
        for index in 0..<syntheticRows {
            let key = JSONValue.string("synthetic-\(index)")
            exerciseRows.append([
                key, .string("Synthetic exercise \(index)"), "strength", index % 3 == 0 ? .null : "push", "compound",
                "beginner",
                "unlicense", .null, .string("Synthetic_\(index)"), ["Stand.", .string("Lift \(index).")],
                [.string("Synthetic_\(index)/0.jpg")],
            ])
            linkRows.append([key, .string(equipment[index % equipment.count])])
        }
        var source = ReferenceSource.replacing(base, table: "exercises") { _ in exerciseRows }
        source = ReferenceSource.replacing(source, table: "exercise_equipment") { _ in linkRows }
        for table in ["exercise_muscles", "exercise_aliases", "exercise_metrics"] {
            source = ReferenceSource.replacing(source, table: table) { _ in [] }
        }
        let loadedRows = Double(exerciseRows.count + linkRows.count)

        let url = try await databases.makeDatabase()
        let (_, initialTime) = try await Measure.time {
            try await url.withConnection(logger: logger) { try await Seeder(logger: logger).seed(source, on: $0) }
        }
        let (_, reseedTime) = try await Measure.time {
            try await url.withConnection(logger: logger) { try await Seeder(logger: logger).seed(source, on: $0) }
        }

        // Reference: psql \copy of the same rows into the same tables of a migrated database whose parent
        // tables are seeded, then a guarded upsert of the exercises with 0% changed.
        let referenceURL = try await databases.makeDatabase()
        var parentsOnly = ReferenceSource.replacing(source, table: "exercises") { _ in [] }
        parentsOnly = ReferenceSource.replacing(parentsOnly, table: "exercise_equipment") { _ in [] }
        _ = try await referenceURL.withConnection(logger: logger) {
            try await Seeder(logger: logger).seed(parentsOnly, on: $0)
        }
        let exercisesFile = try CopyFiles.write(exerciseRows, spec: exercises)
        let linksFile = try CopyFiles.write(linkRows, spec: links)
        defer {
            try? FileManager.default.removeItem(atPath: exercisesFile)
            try? FileManager.default.removeItem(atPath: linksFile)
        }
        let exerciseColumns = exercises.columnNames.joined(separator: ", ")
        let (_, copyTime) = try await Measure.time {
            try CopyFiles.psql(
                referenceURL,
                [
                    "\\copy exercises (\(exerciseColumns)) FROM '\(exercisesFile)'",
                    "\\copy exercise_equipment (exercise_key, equipment_key) FROM '\(linksFile)'",
                ])
        }
        let assignments = exercises.columnNames.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let current = exercises.columnNames.dropFirst().map { "exercises.\($0)::text" }.joined(separator: ", ")
        let incoming = exercises.columnNames.dropFirst().map { "excluded.\($0)::text" }.joined(separator: ", ")
        let (_, upsertTime) = try await Measure.time {
            try CopyFiles.psql(
                referenceURL,
                [
                    "BEGIN",
                    "CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT \(exerciseColumns) FROM exercises WITH NO DATA",
                    "\\copy stage FROM '\(exercisesFile)'",
                    "INSERT INTO exercises (\(exerciseColumns)) SELECT \(exerciseColumns) FROM stage ON CONFLICT (exercise_key) DO UPDATE SET \(assignments) WHERE ROW(\(current)) IS DISTINCT FROM ROW(\(incoming))",
                    "COMMIT",
                ])
        }
        let rate = { (rows: Double, ms: Double) in String(format: "%.0fk rows/s", rows / ms) }
        print(
            "\nSynthetic seed: \(syntheticRows) exercises + \(syntheticRows) exercise_equipment rows (in memory, validation excluded)\n"
        )
        Measure.row(["run", "this project", "reference (same run)", "ratio", "target"])
        Measure.row(["---", "---:", "---:", "---:", "---"])
        Measure.row([
            "initial load", "\(Measure.ms(initialTime)), \(rate(loadedRows, initialTime))",
            "psql \\copy \(Measure.ms(copyTime)), \(rate(loadedRows, copyTime))",
            String(format: "%.2f", copyTime / initialTime),
            "≥ 0.50 of \\copy",
        ])
        Measure.row([
            "identical re-seed (0% changed)", "\(Measure.ms(reseedTime)), \(rate(loadedRows, reseedTime))",
            "guarded upsert in psql \(Measure.ms(upsertTime)), \(rate(Double(syntheticRows), upsertTime)) (exercises only)",
            String(format: "%.2f", (loadedRows / reseedTime) / (Double(syntheticRows) / upsertTime)),
            "≥ 1.00 of the guarded upsert rate",
        ])
    }
}
