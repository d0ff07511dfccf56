import ArgumentParser
import Foundation
import Normalization
import ParityRunner
import ReferenceCatalog

/// Rendering a report with 10,000 differences (the `exercises` table, every name changed, a tenth of them by
/// an invisible character) in every format, median of `runs`. Reference in the same run: Foundation's
/// `JSONSerialization` writing the same JSON report content (built as Foundation objects beforehand).
struct ReportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reports")

    @Option var differences = 10_000
    @Option var runs = 5

    func run() async throws {
        let spec = ReferenceCatalog.table(named: "exercises")!
        func row(_ index: Int, name: String) -> ReferenceRow {
            ReferenceRow(values: [
                .string(String(format: "exercise-%06d", index)), .string(name), "strength", "push", "compound",
                "beginner", "unlicense", .null, .string("Exercise_\(index)"), ["Stand.", "Lift.", "Lower."],
                [.string("Exercise_\(index)/0.jpg")],
            ])
        }
        let local = ReferenceTable(
            spec: spec, rows: (0..<differences).map { row($0, name: "Exercise number \($0)") })
        let remote = ReferenceTable(
            spec: spec,
            rows: (0..<differences).map {
                row($0, name: $0 % 10 == 0 ? "Exercise\u{200B} number \($0)" : "Exercise number \($0)!")
            })
        let comparison = TableDiffer().compare(local: local, remote: remote)
        let report = ParityReport(
            contractVersion: NormalizationContract.version, strict: false,
            local: .init(location: "ReferenceData", schemaVersion: nil, referenceVersion: "local-bench"),
            remote: .init(location: "http://127.0.0.1:8080", schemaVersion: 3, referenceVersion: "1.bench"),
            tables: [comparison], timings: [("compare", 1.0)])
        let foundationReport = Self.foundation(report.json())
        let formats: [(String, () -> Int)] = [
            ("text", { report.text(colors: false).utf8.count }),
            ("json", { JSONWriter(prettyPrinted: true).string(report.json()).utf8.count }),
            ("markdown", { report.markdown().utf8.count }),
            ("junit", { report.junit().utf8.count }),
            ("html", { report.html().utf8.count }),
            (
                "reference: JSONSerialization of the JSON report's content",
                {
                    (try? JSONSerialization.data(withJSONObject: foundationReport, options: [.prettyPrinted]))?.count
                        ?? 0
                }
            ),
        ]
        print("\nRendering a report with \(comparison.differences.count) differences, median of \(runs)\n")
        Measure.row(["format", "time", "size", "target"])
        Measure.row(["---", "---:", "---:", "---"])
        for (name, render) in formats {
            var times: [Double] = []
            var size = 0
            for _ in 0..<runs {
                let (bytes, milliseconds) = await Measure.time { render() }
                times.append(milliseconds)
                size = bytes
            }
            Measure.row([
                name, Measure.ms(Measure.median(times)), String(format: "%.1f MB", Double(size) / 1e6),
                name.hasPrefix("reference") ? "" : "< 200 ms",
            ])
        }
    }

    /// The JSON value as Foundation objects, for the reference writer.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number): Double(number.literal) ?? 0
        case .string(let text): text
        case .array(let elements): elements.map(foundation)
        case .object(let object):
            Dictionary(object.members.map { ($0.key, foundation($0.value)) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
