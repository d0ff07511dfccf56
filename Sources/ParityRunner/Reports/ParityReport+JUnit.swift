import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// JUnit XML: one testcase per table; a failing table carries its differences in the failure body.
    public func junit(includeTimings: Bool = true) -> String {
        let coverageCase = comparedRows == 0 ? 1 : 0
        let failures = failedTables.count + coverageCase
        let tests = tables.count + coverageCase
        let seconds = includeTimings ? String(format: "%.3f", totalMilliseconds / 1000) : "0"
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        lines.append(
            "<testsuites name=\"reference-parity\" tests=\"\(tests)\" failures=\"\(failures)\" time=\"\(seconds)\">"
        )
        lines.append(
            "  <testsuite name=\"parity-runner\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" time=\"\(seconds)\">"
        )
        lines.append("    <properties>")
        lines.append("      <property name=\"contractVersion\" value=\"\(xml(contractVersion))\"/>")
        lines.append("      <property name=\"localReferenceVersion\" value=\"\(xml(local.referenceVersion))\"/>")
        lines.append("      <property name=\"remoteReferenceVersion\" value=\"\(xml(remote.referenceVersion))\"/>")
        lines.append("      <property name=\"comparedRows\" value=\"\(comparedRows)\"/>")
        lines.append("      <property name=\"everyRowCompared\" value=\"\(everyRowCompared)\"/>")
        lines.append("    </properties>")
        if comparedRows == 0 {
            lines.append("    <testcase classname=\"parity\" name=\"coverage\" time=\"0\">")
            lines.append("      <failure type=\"coverage\" message=\"no rows were compared, so nothing is proven\"/>")
            lines.append("    </testcase>")
        }
        for table in tables {
            let open = "    <testcase classname=\"parity\" name=\"\(xml(table.table))\" time=\"0\""
            let coverage =
                "\(table.comparedRows) of local \(table.localRows) / remote \(table.remoteRows) rows compared"
                + (table.everyRowCompared ? "" : " (not every row)")
            var notes = [coverage]
            for accepted in table.accepted {
                notes.append(
                    "accepted until \(accepted.acceptance.expires) (\(accepted.acceptance.owner): \(accepted.acceptance.reason)): "
                        + line(accepted.difference))
            }
            if table.passed {
                lines.append(open + ">")
                lines.append("      <system-out>\(xml(notes.joined(separator: "\n")))</system-out>")
                lines.append("    </testcase>")
                continue
            }
            lines.append(open + ">")
            let count = table.differences.count
            var message = "\(count) difference\(count == 1 ? "" : "s")"
            if !table.expired.isEmpty { message += ", \(table.expired.count) expired acceptance(s)" }
            if table.unusedFails && !table.unused.isEmpty { message += ", \(table.unused.count) unused acceptance(s)" }
            lines.append("      <failure type=\"parity\" message=\"\(xml(message))\">")
            for difference in table.differences { lines.append(xml(line(difference))) }
            for acceptance in table.expired {
                lines.append(
                    xml(
                        "expired acceptance: entry \(acceptance.entry) of \(acceptance.file) ended \(acceptance.expires)"
                    ))
            }
            if table.unusedFails {
                for acceptance in table.unused {
                    lines.append(xml("unused acceptance: entry \(acceptance.entry) of \(acceptance.file)"))
                }
            }
            lines.append("      </failure>")
            lines.append("      <system-out>\(xml(notes.joined(separator: "\n")))</system-out>")
            lines.append("    </testcase>")
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    private func line(_ difference: Difference) -> String {
        var line = "(\(CharacterDifference.visible(difference.keyDescription)))"
        if let field = difference.field { line += " \(field)" }
        line +=
            ": \(difference.kind.rawValue) [\(difference.rule.rawValue)]: local \(CharacterDifference.visible(difference.localRaw?.description ?? "(absent)"))"
        line += ", remote \(CharacterDifference.visible(difference.remoteRaw?.description ?? "(absent)"))"
        if difference.kind == .field, let detail = difference.detail { line += "; \(detail)" }
        if let outlier = difference.outlier { line += "; \(outlier.summary)" }
        if let bundle = difference.bundleRaw { line += "; bundle \(CharacterDifference.visible(bundle.description))" }
        return line
    }

    private func xml(_ text: String) -> String { XMLText.escaped(text) }
}
