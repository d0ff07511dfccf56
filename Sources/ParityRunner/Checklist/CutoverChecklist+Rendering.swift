import Foundation
import ReferenceCatalog

extension CutoverChecklist.Report {
    public var markdown: String {
        var lines = ["# Cutover checklist: \(passed ? "ready" : "NOT ready")", ""]
        lines.append(
            "Each item, proven from evidence gathered by this run (\(RFC3339Date.string(generatedAt)))."
        )
        lines.append("")
        lines.append("Mode: \(mode).")
        lines.append("")
        for item in items {
            lines.append("- [\(item.passed ? "x" : " ")] **\(item.number). \(item.title)**")
            for line in item.evidence { lines.append("  - \(line)") }
        }
        lines.append("")
        lines.append("\(items.filter(\.passed).count) of \(items.count) items proven.")
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        var root = JSONObject()
        root.append("status", passed ? "ready" : "not_ready")
        root.append("generatedAt", .string(RFC3339Date.string(generatedAt)))
        root.append("mode", .string(mode))
        root.append(
            "items",
            .array(
                items.map { item in
                    .object(
                        JSONObject([
                            "number": .number(JSONNumber(item.number)), "title": .string(item.title),
                            "status": item.passed ? "pass" : "fail",
                            "evidence": .array(item.evidence.map(JSONValue.string)),
                        ]))
                }))
        return .object(root)
    }
}

enum RFC3339Date {
    static func string(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
