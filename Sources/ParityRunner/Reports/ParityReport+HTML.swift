import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// One self-contained page for release managers: no scripts, no external styles, fonts or images, readable
    /// without JavaScript. The summary (verdict, coverage, timings) comes first; then one collapsed section
    /// per table with its counts in the heading (failing tables open), each difference with key, field, both
    /// raw and normalized values, the rule and, for texts, the first differing character; accepted
    /// differences apart. A report with 10,000 differences stays usable: sections are collapsed and counted.
    public func html(includeTimings: Bool = true) -> String {
        var page = HTMLPage()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.raw("<title>Reference data parity: \(passed ? "pass" : "fail")</title>\n")
        page.raw("<style>\n\(Self.htmlStyle)</style>\n</head>\n<body>\n")
        page.raw("<h1>Reference data parity: ")
        page.raw(passed ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">fail</span>")
        page.raw("</h1>\n")
        summary(into: &page, includeTimings: includeTimings)
        for table in tables { section(table, into: &page) }
        page.raw("</body>\n</html>\n")
        return page.markup
    }

    private func summary(into page: inout HTMLPage, includeTimings: Bool) {
        page.raw("<table class=\"summary\">\n")
        func row(_ name: String, _ value: String) {
            page.raw("<tr><th>")
            page.text(name)
            page.raw("</th><td>")
            page.text(value)
            page.raw("</td></tr>\n")
        }
        row("normalization contract", contractVersion + (strict ? " (strict)" : ""))
        row("local", "\(local.location) (\(local.referenceVersion))")
        row(
            "remote",
            "\(remote.location) (schema \(remote.schemaVersion.map(String.init) ?? "?"), reference \(remote.referenceVersion))"
        )
        row("tables", "\(tables.count) compared, \(failedTables.count) failing")
        row(
            "rows compared",
            "\(comparedRows) (local \(localRowCount), remote \(remoteRowCount)); "
                + (everyRowCompared ? "every row was compared" : "not every row was compared"))
        row("differences", "\(differenceCount) failing, \(acceptedCount) accepted")
        if expiredCount > 0 || unusedCount > 0 {
            row("acceptances", "\(expiredCount) expired, \(unusedCount) unused")
        }
        if adminRowCount > 0 { row("admin rows", "\(adminRowCount) listed (remote only)") }
        if includeTimings {
            row(
                "timings",
                timings.map { "\($0.step) \(String(format: "%.1f", $0.milliseconds)) ms" }.joined(separator: ", ")
                    + "; total \(String(format: "%.2f", totalMilliseconds / 1000)) s")
        }
        page.raw("</table>\n")
        if comparedRows == 0 {
            page.raw("<p class=\"fail\">No rows were compared, so nothing is proven.</p>\n")
        }
        page.raw("<table class=\"tables\">\n<thead><tr><th>table</th><th>status</th><th>local</th><th>remote</th>")
        page.raw("<th>compared</th><th>every row</th><th>differences</th><th>accepted</th></tr></thead>\n<tbody>\n")
        for table in tables {
            page.raw("<tr><td><a href=\"#table-\(table.table)\">")
            page.text(table.table)
            page.raw("</a></td><td class=\"\(table.passed ? "pass" : "fail")\">\(table.passed ? "pass" : "fail")</td>")
            page.raw("<td>\(table.localRows)</td><td>\(table.remoteRows)</td><td>\(table.comparedRows)</td>")
            page.raw("<td>\(table.everyRowCompared ? "yes" : "<strong>no</strong>")</td>")
            page.raw("<td>\(table.differences.count)</td><td>\(table.accepted.count)</td></tr>\n")
        }
        page.raw("</tbody>\n</table>\n")
    }

    private func section(_ table: TableComparison, into page: inout HTMLPage) {
        page.raw("<details id=\"table-\(table.table)\"\(table.passed ? "" : " open")>\n<summary>")
        page.raw("<span class=\"\(table.passed ? "pass" : "fail")\">\(table.passed ? "pass" : "fail")</span> ")
        page.text(
            "\(table.table): \(table.differences.count) difference\(table.differences.count == 1 ? "" : "s"), "
                + "\(table.accepted.count) accepted, \(table.comparedRows) of \(table.localRows)/\(table.remoteRows) rows compared"
                + (table.emptyAllowed ? ", empty on purpose" : ""))
        page.raw("</summary>\n")
        if !table.differences.isEmpty {
            differences(table.differences.map { ($0, nil) }, into: &page)
        }
        if !table.accepted.isEmpty {
            page.raw("<h3>Accepted (not failures)</h3>\n")
            differences(table.accepted.map { ($0.difference, $0.acceptance) }, into: &page)
        }
        for acceptance in table.expired {
            page.raw("<p class=\"fail\">Expired acceptance: ")
            page.text(
                "entry \(acceptance.entry) of \(acceptance.file) ended \(acceptance.expires) (\(acceptance.owner): \(acceptance.reason))"
            )
            page.raw("</p>\n")
        }
        for acceptance in table.unused {
            page.raw("<p>Unused acceptance: ")
            page.text(
                "entry \(acceptance.entry) of \(acceptance.file) matched no difference"
                    + (table.unusedFails ? " (a failure with --strict)" : ""))
            page.raw("</p>\n")
        }
        if !table.adminRows.isEmpty {
            page.raw("<p>Admin rows (remote only, listed): ")
            page.text(table.adminRows.map { JSONValue.object($0).description }.joined(separator: ", "))
            page.raw("</p>\n")
        }
        page.raw("</details>\n")
    }

    private func differences(_ rows: [(Difference, Acceptance?)], into page: inout HTMLPage) {
        page.raw("<table class=\"differences\">\n<thead><tr><th>kind</th><th>key</th><th>field</th>")
        page.raw("<th>local raw</th><th>local normalized</th><th>remote raw</th><th>remote normalized</th>")
        page.raw("<th>rule</th><th>detail</th></tr></thead>\n<tbody>\n")
        for (difference, acceptance) in rows {
            page.raw("<tr><td>\(difference.kind.rawValue)</td><td>")
            page.visible(difference.keyDescription)
            page.raw("</td><td>")
            page.text(difference.field ?? "")
            for value in [
                difference.localRaw, difference.localNormalized, difference.remoteRaw, difference.remoteNormalized,
            ] {
                page.raw("</td><td><code>")
                page.visible(value.map { Self.shortened($0.description) } ?? "(absent)")
                page.raw("</code>")
            }
            page.raw("</td><td><code>\(difference.rule.rawValue)</code></td><td>")
            page.text(difference.detail ?? "")
            if let outlier = difference.outlier {
                page.raw(difference.detail == nil ? "" : "<br>")
                page.text(outlier.summary)
            }
            if let bundle = difference.bundleRaw {
                page.raw("<br>bundle: <code>")
                page.visible(Self.shortened(bundle.description))
                page.raw("</code>")
            }
            if let acceptance {
                page.raw(difference.detail == nil ? "<em>" : "<br><em>")
                page.text("accepted until \(acceptance.expires), \(acceptance.owner): \(acceptance.reason)")
                page.raw("</em>")
            }
            page.raw("</td></tr>\n")
        }
        page.raw("</tbody>\n</table>\n")
    }

    private static func shortened(_ text: String) -> String {
        text.count > 400 ? String(text.prefix(397)) + "..." : text
    }

    static let htmlStyle = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
        td code { white-space: pre-wrap; overflow-wrap: anywhere; }
        .pass { color: #166b2c; font-weight: 600; }
        .fail { color: #b3261e; font-weight: 600; }
        .mark { background: #ffe08a; border-radius: 2px; font-size: 0.85em; }
        details { margin: 0.4em 0; }
        summary { cursor: pointer; font-weight: 600; }

        """
}

/// Builds an HTML page; everything from the data goes through ``text(_:)`` or ``visible(_:)``, which escape it.
struct HTMLPage {
    private(set) var markup = ""

    mutating func raw(_ html: String) { markup += html }

    /// Escaped text.
    mutating func text(_ value: String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": markup += "&amp;"
            case "<": markup += "&lt;"
            case ">": markup += "&gt;"
            case "\"": markup += "&quot;"
            default: markup.unicodeScalars.append(scalar)
            }
        }
    }

    /// Escaped text with every character that is not printable ASCII marked, `<U+200B>`, highlighted.
    mutating func visible(_ value: String) {
        for scalar in value.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                text(String(scalar))
            } else {
                markup += "<span class=\"mark\">&lt;\(CharacterDifference.codePoint(scalar))&gt;</span>"
            }
        }
    }
}
