import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// The report for people: a status line per table, then every difference with key, field, both raw and
    /// both normalized values and the rule, then one closing line with totals and timings.
    public func text(colors: Bool, includeTimings: Bool = true) -> String {
        let palette = Palette(enabled: colors)
        var lines: [String] = []
        lines.append(
            "parity: normalization contract \(contractVersion)\(strict ? ", strict" : "")")
        lines.append("  local   \(local.location) (\(local.referenceVersion))")
        lines.append(
            "  remote  \(remote.location) (schema \(remote.schemaVersion.map(String.init) ?? "?"), reference \(remote.referenceVersion))"
        )
        lines.append("")
        let width = max(tables.map(\.table.count).max() ?? 0, 5)
        for table in tables {
            let status = table.passed ? palette.green("PASS") : palette.red("FAIL")
            var line =
                "\(status)  \(table.table.padding(toLength: width, withPad: " ", startingAt: 0))  "
                + "local \(pad(table.localRows))  remote \(pad(table.remoteRows))  compared \(pad(table.comparedRows))"
                + (table.everyRowCompared ? "  " : "* ")
                + "\(table.differences.count) difference\(table.differences.count == 1 ? "" : "s")"
            if !table.accepted.isEmpty { line += ", \(table.accepted.count) accepted" }
            if table.emptyAllowed { line += ", empty on purpose" }
            if !table.adminRows.isEmpty {
                line += ", \(table.adminRows.count) admin row\(table.adminRows.count == 1 ? "" : "s") listed"
            }
            lines.append(line)
        }
        if !everyRowCompared { lines.append("  * not every row of this table was compared (rows on one side only)") }
        for table in tables
        where !table.differences.isEmpty || !table.adminRows.isEmpty || !table.accepted.isEmpty
            || !table.unused.isEmpty || !table.expired.isEmpty
        {
            lines.append("")
            lines.append(palette.bold("\(table.table):"))
            for difference in table.differences {
                lines += describe(difference, palette: palette)
            }
            for accepted in table.accepted {
                let acceptance = accepted.acceptance
                lines.append(
                    "  accepted until \(acceptance.expires) (\(acceptance.owner): \(acceptance.reason)):")
                lines += describe(accepted.difference, palette: palette).map { "  " + $0 }
            }
            for acceptance in table.expired {
                lines.append(
                    "  \(palette.red("expired")) acceptance, \(origin(acceptance)): ended \(acceptance.expires) (\(acceptance.owner): \(acceptance.reason))"
                )
            }
            for acceptance in table.unused {
                lines.append(
                    "  unused acceptance, \(origin(acceptance)): matched no difference\(table.unusedFails ? " (fails with --strict)" : "")"
                )
            }
            for key in table.adminRows {
                lines.append(
                    "  admin row (\(key.members.map { "\($0.key)=\($0.value.stringValue ?? "\($0.value)")" }.joined(separator: ", "))): remote only, listed"
                )
            }
        }
        lines.append("")
        var closing =
            passed
            ? palette.green("PASS") + ": \(tables.count) table\(tables.count == 1 ? "" : "s") in parity"
            : comparedRows == 0
                ? palette.red("FAIL") + ": no rows were compared, so nothing is proven"
                : palette.red("FAIL")
                    + ": \(failedTables.count) of \(tables.count) tables differ, \(differenceCount) difference\(differenceCount == 1 ? "" : "s")"
        closing +=
            "; \(comparedRows) rows compared (local \(localRowCount), remote \(remoteRowCount)"
            + (everyRowCompared ? ", every row)" : ", not every row)")
        if acceptedCount > 0 { closing += "; \(acceptedCount) accepted" }
        if expiredCount > 0 { closing += "; \(expiredCount) expired acceptance\(expiredCount == 1 ? "" : "s")" }
        if unusedCount > 0 { closing += "; \(unusedCount) unused acceptance\(unusedCount == 1 ? "" : "s")" }
        if adminRowCount > 0 { closing += "; \(adminRowCount) admin row\(adminRowCount == 1 ? "" : "s") listed" }
        if includeTimings { closing += "; \(String(format: "%.2f", totalMilliseconds / 1000)) s" }
        lines.append(closing)
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ count: Int) -> String {
        let text = String(count)
        return String(repeating: " ", count: max(0, 5 - text.count)) + text
    }

    private func describe(_ difference: Difference, palette: Palette) -> [String] {
        var lines: [String] = []
        let field = difference.field.map { " \($0)" } ?? ""
        lines.append(
            "  (\(CharacterDifference.visible(difference.keyDescription)))\(field): \(palette.yellow(difference.kind.rawValue)) [\(difference.rule.rawValue)]"
        )
        if let detail = difference.detail { lines.append("    \(detail)") }
        if let outlier = difference.outlier { lines.append("    \(outlier.summary)") }
        if let bundle = difference.bundleRaw { lines.append("    = bundle  raw \(show(bundle))") }
        if difference.kind == .field || difference.kind == .type {
            lines.append(
                "    - local   raw \(show(difference.localRaw))  normalized \(show(difference.localNormalized))")
            lines.append(
                "    + remote  raw \(show(difference.remoteRaw))  normalized \(show(difference.remoteNormalized))")
        } else if let row = difference.localRaw ?? difference.remoteRaw {
            lines.append(
                "    \(difference.localRaw != nil ? "- local " : "+ remote") \(CharacterDifference.visible(row.description))"
            )
        }
        return lines
    }

    func origin(_ acceptance: Acceptance) -> String {
        "entry \(acceptance.entry) of \(acceptance.file)"
    }

    /// A value as JSON, with every character that is not printable ASCII marked (`<U+200B>`), shortened.
    private func show(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = CharacterDifference.visible(value.description)
        return text.count > 160 ? String(text.prefix(157)) + "..." : text
    }
}

/// ANSI colours, only when writing to a terminal (and `NO_COLOR` is unset).
struct Palette {
    let enabled: Bool
    func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }
    func bold(_ text: String) -> String { wrap("1", text) }
}
