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
        lines.append(
            "| table | status | local rows | remote rows | compared | every row | differences | accepted | admin rows |"
        )
        lines.append("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
        for table in tables {
            lines.append(
                "| \(table.table) | \(table.passed ? "pass" : "**fail**") | \(table.localRows) | \(table.remoteRows) | "
                    + "\(table.comparedRows) | \(table.everyRowCompared ? "yes" : "**no**") | "
                    + "\(table.differences.count) | \(table.accepted.count) | \(table.adminRows.count) |")
        }
        for table in tables
        where !table.differences.isEmpty || !table.accepted.isEmpty || !table.expired.isEmpty
            || !table.unused.isEmpty
        {
            lines.append("")
            lines.append("### \(table.table)")
            lines.append("")
            lines.append("| kind | key | field | local (raw → normalized) | remote (raw → normalized) | rule |")
            lines.append("| --- | --- | --- | --- | --- | --- |")
            for difference in table.differences.prefix(50) { lines.append(row(difference)) }
            if table.differences.count > 50 {
                lines.append(""); lines.append("… and \(table.differences.count - 50) more.")
            }
            if !table.accepted.isEmpty {
                lines.append("")
                lines.append("Accepted (not failures):")
                lines.append("")
                lines.append("| kind | key | field | local (raw → normalized) | remote (raw → normalized) | rule |")
                lines.append("| --- | --- | --- | --- | --- | --- |")
                for accepted in table.accepted.prefix(50) {
                    let acceptance = accepted.acceptance
                    lines.append(
                        row(
                            accepted.difference,
                            note: "accepted until \(acceptance.expires), \(acceptance.owner): \(acceptance.reason)"))
                }
            }
            for acceptance in table.expired {
                lines.append("")
                lines.append(
                    "**Expired acceptance** (entry \(acceptance.entry) of `\(acceptance.file)`, ended \(acceptance.expires), "
                        + "\(cell(acceptance.owner)): \(cell(acceptance.reason)).")
            }
            for acceptance in table.unused {
                lines.append("")
                lines.append(
                    "Unused acceptance (entry \(acceptance.entry) of `\(acceptance.file)`): matched no difference"
                        + (table.unusedFails ? " (a failure with --strict)." : "."))
            }
        }
        lines.append("")
        var closing =
            "\(differenceCount) difference\(differenceCount == 1 ? "" : "s") in \(failedTables.count) of \(tables.count) tables; "
            + "\(comparedRows) rows compared (local \(localRowCount), remote \(remoteRowCount)"
            + (everyRowCompared ? ", every row)" : ", not every row)")
        if comparedRows == 0 { closing += "; **no rows were compared, so nothing is proven**" }
        if acceptedCount > 0 { closing += "; \(acceptedCount) accepted" }
        if includeTimings { closing += "; \(String(format: "%.2f", totalMilliseconds / 1000)) s" }
        lines.append(closing + ".")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One table row; the last cell has the rule, the detail (for texts: the first differing character) and
    /// `note`.
    private func row(_ difference: Difference, note: String? = nil) -> String {
        var last = "`\(difference.rule.rawValue)`"
        if let detail = difference.detail, difference.kind == .field { last += "<br>" + cell(detail) }
        if let outlier = difference.outlier { last += "<br>" + cell(outlier.summary) }
        if let bundle = difference.bundleRaw {
            last += "<br>bundle: " + cell(CharacterDifference.visible(bundle.description))
        }
        if let note { last += "<br>" + cell(note) }
        return "| \(difference.kind.rawValue) | \(cell(CharacterDifference.visible(difference.keyDescription))) | "
            + "\(difference.field ?? "") | \(cell(pair(difference.localRaw, difference.localNormalized))) | "
            + "\(cell(pair(difference.remoteRaw, difference.remoteNormalized))) | \(last) |"
    }

    private func pair(_ raw: JSONValue?, _ normalized: JSONValue?) -> String {
        let rawText = raw.map { CharacterDifference.visible($0.description) } ?? "(absent)"
        guard let normalized, normalized != raw else { return "`\(rawText)`" }
        return "`\(rawText)` → `\(CharacterDifference.visible(normalized.description))`"
    }

    private func cell(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        return escaped.count > 120 ? String(escaped.prefix(117)) + "…`" : escaped
    }
}
