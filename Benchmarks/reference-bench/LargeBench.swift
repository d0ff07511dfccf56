import ArgumentParser
import Foundation
import Logging
import NIOCore
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// A large source directory (`scripts/make-large-dataset`) loaded three ways in one session, on one throwaway
/// cluster: the floor, `psql \copy` of the same rows (as COPY text) into the 20 migrated tables with their
/// foreign keys, indexes and statement triggers; the project's seed (a first load, then an identical re-seed);
/// and `seed --dry-run`'s plan against the seeded database (issue 13: not slower than the identical re-seed).
struct LargeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "large", abstract: "psql \\copy floor, seed, identical re-seed and dry run of a large source.")

    @Option(help: "The source directory (scripts/make-large-dataset OUT).") var source: String

    func run() async throws {
        let logger = Measure.quietLogger
        let directory = URL(fileURLWithPath: source)
        let started = ContinuousClock.now
        let loaded = try ReferenceSource.load(from: directory)
        let validateTime = (ContinuousClock.now - started).fractionalMilliseconds
        let rows = loaded.tables.reduce(0) { $0 + $1.rows.count }
        let databases = try await ReferenceDatabases.throwaway(logger: logger)
        try await databases.withShutdown { databases in
            // The floor: every table's rows as COPY text files, loaded by psql in seed (foreign-key) order.
            var files: [(TableSpec, String)] = []
            for table in loaded.tables where !table.rows.isEmpty {
                files.append((table.spec, try CopyFiles.write(table.rows, spec: table.spec)))
            }
            defer { for (_, path) in files { try? FileManager.default.removeItem(atPath: path) } }
            let floorURL = try await databases.makeDatabase(prefix: "floor")
            let (_, copyTime) = try await Measure.time {
                try CopyFiles.psql(
                    floorURL,
                    files.map { spec, path in
                        "\\copy \(spec.name) (\(spec.columnNames.joined(separator: ", "))) FROM '\(path)'"
                    })
            }
            let seedURL = try await databases.makeDatabase(prefix: "seed")
            let (_, seedTime) = try await Measure.time {
                try await seedURL.withConnection(logger: logger) {
                    try await Seeder(logger: logger).seed(loaded, on: $0)
                }
            }
            let (_, reseedTime) = try await Measure.time {
                try await seedURL.withConnection(logger: logger) {
                    try await Seeder(logger: logger).seed(loaded, on: $0)
                }
            }
            let (plan, planTime) = try await Measure.time {
                try await seedURL.withConnection(logger: logger) {
                    try await Seeder(logger: logger).plan(loaded, on: $0)
                }
            }
            print("\n\(rows) rows from \(directory.path); validate source \(Measure.ms(validateTime))\n")
            Measure.row(["step", "time", "against psql \\copy"])
            Measure.row(["---", "---:", "---:"])
            Measure.row(["psql \\copy of the same rows (the floor)", Measure.ms(copyTime), "1.00"])
            Measure.row(["seed, first load", Measure.ms(seedTime), String(format: "%.2f", seedTime / copyTime)])
            Measure.row([
                "seed, identical re-seed", Measure.ms(reseedTime), String(format: "%.2f", reseedTime / copyTime),
            ])
            Measure.row([
                "seed --dry-run (plan \(plan.isEmpty ? "empty" : "NOT empty"))", Measure.ms(planTime),
                String(format: "%.2f", planTime / copyTime)
                    + String(format: " (%.2f of the re-seed)", planTime / reseedTime),
            ])
            print("\npeak RSS of this process: \(String(format: "%.0f", Measure.peakRSSMiB())) MiB")
        }
    }
}
