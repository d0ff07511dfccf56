import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// For a pull-request comment: a verdict, a table per table, and the differences (up to 50 per table).
    public func markdown(includeTimings: Bool = true) -> String {
        var lines: [String] = []
        lines.append("## Reference data parity: \(passed ? "✅ pass" : "❌ fail")")
        lines.append("")
        lines.append(
            "Normalization contract \(contractVersion)\(strict ? " (strict)" : ""). Local `\(local.referenceVersion)`, "
                + "remote schema \(remote.schemaVersion.map(String.init) ?? "?") / reference `\(remote.referenceVersion)`."
        )
        lines.append("")
        lines.append("| table | status | local rows | remote rows | differences | admin rows |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: |")
        for table in tables {
            lines.append(
                "| \(table.table) | \(table.passed ? "pass" : "**fail**") | \(table.localRows) | \(table.remoteRows) | "
                    + "\(table.differences.count) | \(table.adminRows.count) |")
        }
        for table in tables where !table.differences.isEmpty {
            lines.append("")
            lines.append("### \(table.table)")
            lines.append("")
            lines.append("| kind | key | field | local (raw → normalized) | remote (raw → normalized) | rule |")
            lines.append("| --- | --- | --- | --- | --- | --- |")
            for difference in table.differences.prefix(50) {
                lines.append(
                    "| \(difference.kind.rawValue) | \(cell(difference.keyDescription)) | \(difference.field ?? "") | "
                        + "\(cell(pair(difference.localRaw, difference.localNormalized))) | "
                        + "\(cell(pair(difference.remoteRaw, difference.remoteNormalized))) | `\(difference.rule.rawValue)` |"
                )
            }
            if table.differences.count > 50 {
                lines.append(""); lines.append("… and \(table.differences.count - 50) more.")
            }
        }
        lines.append("")
        var closing =
            "\(differenceCount) difference\(differenceCount == 1 ? "" : "s") in \(failedTables.count) of \(tables.count) tables"
        if includeTimings { closing += "; \(String(format: "%.2f", totalMilliseconds / 1000)) s" }
        lines.append(closing + ".")
        return lines.joined(separator: "\n") + "\n"
    }

    private func pair(_ raw: JSONValue?, _ normalized: JSONValue?) -> String {
        let rawText = raw.map { $0.description } ?? "(absent)"
        guard let normalized, normalized != raw else { return "`\(rawText)`" }
        return "`\(rawText)` → `\(normalized.description)`"
    }

    private func cell(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        return escaped.count > 120 ? String(escaped.prefix(117)) + "…`" : escaped
    }
}
