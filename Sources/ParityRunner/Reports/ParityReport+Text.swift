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
                + "local \(pad(table.localRows))  remote \(pad(table.remoteRows))  "
                + "\(table.differences.count) difference\(table.differences.count == 1 ? "" : "s")"
            if !table.adminRows.isEmpty {
                line += ", \(table.adminRows.count) admin row\(table.adminRows.count == 1 ? "" : "s") listed"
            }
            lines.append(line)
        }
        for table in tables where !table.differences.isEmpty || !table.adminRows.isEmpty {
            lines.append("")
            lines.append(palette.bold("\(table.table):"))
            for difference in table.differences {
                let field = difference.field.map { " \($0)" } ?? ""
                lines.append(
                    "  (\(difference.keyDescription))\(field): \(palette.yellow(difference.kind.rawValue)) [\(difference.rule.rawValue)]"
                )
                if let detail = difference.detail { lines.append("    \(detail)") }
                if difference.kind == .field || difference.kind == .type {
                    lines.append(
                        "    - local   raw \(show(difference.localRaw))  normalized \(show(difference.localNormalized))"
                    )
                    lines.append(
                        "    + remote  raw \(show(difference.remoteRaw))  normalized \(show(difference.remoteNormalized))"
                    )
                } else if let row = difference.localRaw ?? difference.remoteRaw {
                    lines.append("    \(difference.localRaw != nil ? "- local " : "+ remote") \(row)")
                }
            }
            for key in table.adminRows {
                lines.append(
                    "  admin row (\(key.members.map { "\($0.key)=\($0.value.stringValue ?? "\($0.value)")" }.joined(separator: ", "))): remote only, listed"
                )
            }
        }
        lines.append("")
        let rows = tables.reduce(0) { $0 + $1.localRows }
        var closing =
            passed
            ? palette.green("PASS") + ": \(tables.count) table\(tables.count == 1 ? "" : "s") in parity"
            : palette.red("FAIL")
                + ": \(failedTables.count) of \(tables.count) tables differ, \(differenceCount) difference\(differenceCount == 1 ? "" : "s")"
        closing += "; \(rows) local rows compared"
        if adminRowCount > 0 { closing += "; \(adminRowCount) admin row\(adminRowCount == 1 ? "" : "s") listed" }
        if includeTimings { closing += "; \(String(format: "%.2f", totalMilliseconds / 1000)) s" }
        lines.append(closing)
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ count: Int) -> String {
        let text = String(count)
        return String(repeating: " ", count: max(0, 5 - text.count)) + text
    }

    private func show(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = value.description
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
