import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// JUnit XML: one testcase per table; a failing table carries its differences in the failure body.
    public func junit(includeTimings: Bool = true) -> String {
        let failures = failedTables.count
        let seconds = includeTimings ? String(format: "%.3f", totalMilliseconds / 1000) : "0"
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        lines.append(
            "<testsuites name=\"reference-parity\" tests=\"\(tables.count)\" failures=\"\(failures)\" time=\"\(seconds)\">"
        )
        lines.append(
            "  <testsuite name=\"parity-runner\" tests=\"\(tables.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(seconds)\">"
        )
        lines.append("    <properties>")
        lines.append("      <property name=\"contractVersion\" value=\"\(xml(contractVersion))\"/>")
        lines.append("      <property name=\"localReferenceVersion\" value=\"\(xml(local.referenceVersion))\"/>")
        lines.append("      <property name=\"remoteReferenceVersion\" value=\"\(xml(remote.referenceVersion))\"/>")
        lines.append("    </properties>")
        for table in tables {
            let open = "    <testcase classname=\"parity\" name=\"\(xml(table.table))\" time=\"0\""
            if table.passed {
                lines.append(open + "/>")
                continue
            }
            lines.append(open + ">")
            let count = table.differences.count
            lines.append("      <failure type=\"parity\" message=\"\(count) difference\(count == 1 ? "" : "s")\">")
            for difference in table.differences {
                var line = "(\(difference.keyDescription))"
                if let field = difference.field { line += " \(field)" }
                line +=
                    ": \(difference.kind.rawValue) [\(difference.rule.rawValue)]: local \(difference.localRaw?.description ?? "(absent)")"
                line += ", remote \(difference.remoteRaw?.description ?? "(absent)")"
                lines.append(xml(line))
            }
            lines.append("      </failure>")
            lines.append("    </testcase>")
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    private func xml(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n": result += "&#10;"
            case "\t": result += "&#9;"
            default:
                // XML 1.0 forbids most control characters, even escaped.
                if scalar.value < 0x20 {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
