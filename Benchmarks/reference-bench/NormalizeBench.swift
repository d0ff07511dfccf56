import ArgumentParser
import Foundation
import Normalization
import ReferenceCatalog

/// Normalize and diff 1,000,000 rows of the `exercises` shape with 10 planted differences: time and peak
/// memory. The reference, reladiff on the same rows as two PostgreSQL tables, is run by hand (BENCHMARKS.md
/// gives the commands): it diffs tables inside databases, not rows in memory.
struct NormalizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "normalize")

    @Option var rows = 1_000_000
    @Option var runs = 3

    func run() async throws {
        let spec = ReferenceCatalog.table(named: "exercises")!
        let baseline = Measure.peakRSSMiB()
        var localRows: [ReferenceRow] = []
        localRows.reserveCapacity(rows)
        for index in 0..<rows {
            localRows.append(
                ReferenceRow(values: [
                    .string("exercise-\(index)"), .string("Exercise number \(index)"), "strength",
                    index % 3 == 0 ? .null : "push",
                    "compound", "beginner", "unlicense", index % 5 == 0 ? "epley" : .null, .string("Exercise_\(index)"),
                    ["Stand with your feet apart.", .string("Lift the weight \(index) times."), "Lower it slowly."],
                    [.string("Exercise_\(index)/0.jpg"), .string("Exercise_\(index)/1.jpg")],
                ]))
        }
        // The remote side: the same rows, reversed (row order must not matter), with 10 planted differences.
        var remoteRows = Array(localRows.reversed())
        let stride = rows / 10
        for planted in 0..<10 {
            let position = planted * stride
            var row = remoteRows[position]
            switch planted % 5 {
            case 0: row.values[1] = .string((row.values[1]?.stringValue ?? "") + "!")
            case 1: row.values[3] = "pull"
            case 2: row.values[9] = .array(Array((row.values[9]?.arrayValue ?? []).reversed()))
            case 3: row.values[8] = .null
            default: row.values[10] = .array((row.values[10]?.arrayValue ?? []) + ["extra.jpg"])
            }
            remoteRows[position] = row
        }
        let local = ReferenceTable(spec: spec, rows: localRows)
        let remote = ReferenceTable(spec: spec, rows: remoteRows)
        let afterData = Measure.peakRSSMiB()
        var times: [Double] = []
        var found = 0
        for _ in 0..<runs {
            let (comparison, milliseconds) = await Measure.time { TableDiffer().compare(local: local, remote: remote) }
            times.append(milliseconds)
            found = comparison.differences.count
        }
        let peak = Measure.peakRSSMiB()
        print(
            "\nNormalize and diff \(rows) rows of the exercises shape (rows in opposite order), 10 planted differences, median of \(runs)\n"
        )
        Measure.row(["measure", "this project", "reference", "target"])
        Measure.row(["---", "---:", "---:", "---"])
        Measure.row([
            "time", String(format: "%.2f s", Measure.median(times) / 1000), "reladiff: see BENCHMARKS.md",
            "< 2 s",
        ])
        Measure.row([
            "peak memory (whole process, both tables held)", String(format: "%.0f MiB", peak),
            "", "< 1 GiB",
        ])
        Measure.row(["memory of the two tables alone", String(format: "%.0f MiB", afterData - baseline), "", ""])
        Measure.row(["differences found", "\(found)", "", "10"])
    }
}
