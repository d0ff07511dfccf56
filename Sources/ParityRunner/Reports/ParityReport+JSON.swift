import Foundation
import Normalization
import ReferenceCatalog

extension ParityReport {
    /// The stable JSON report (documented in the README). With `includeTimings` false, nothing in it varies
    /// between runs on the same data except the remote location and referenceVersion.
    public func json(includeTimings: Bool = true) -> JSONValue {
        var root = JSONObject()
        root.append("status", passed ? "pass" : "fail")
        root.append("contractVersion", .string(contractVersion))
        root.append("strict", .bool(strict))
        root.append("local", side(local))
        root.append("remote", side(remote))
        var summary = JSONObject()
        summary.append("tables", .number(JSONNumber(tables.count)))
        summary.append("failedTables", .number(JSONNumber(failedTables.count)))
        summary.append("differences", .number(JSONNumber(differenceCount)))
        summary.append("adminRows", .number(JSONNumber(adminRowCount)))
        summary.append("localRows", .number(JSONNumber(tables.reduce(0) { $0 + $1.localRows })))
        summary.append("remoteRows", .number(JSONNumber(tables.reduce(0) { $0 + $1.remoteRows })))
        root.append("summary", .object(summary))
        root.append("tables", .array(tables.map(Self.table)))
        if includeTimings {
            var steps = JSONObject()
            for (step, milliseconds) in timings { steps.append(step, Self.milliseconds(milliseconds)) }
            root.append(
                "timings",
                .object(JSONObject(["totalMs": Self.milliseconds(totalMilliseconds), "steps": .object(steps)])))
        }
        return .object(root)
    }

    private func side(_ side: Side) -> JSONValue {
        var object = JSONObject()
        object.append("location", .string(side.location))
        object.append("schemaVersion", side.schemaVersion.map { .number(JSONNumber($0)) } ?? .null)
        object.append("referenceVersion", .string(side.referenceVersion))
        return .object(object)
    }

    static func table(_ comparison: TableComparison) -> JSONValue {
        var object = JSONObject()
        object.append("table", .string(comparison.table))
        object.append("status", comparison.passed ? "pass" : "fail")
        object.append("localRows", .number(JSONNumber(comparison.localRows)))
        object.append("remoteRows", .number(JSONNumber(comparison.remoteRows)))
        object.append("differences", .array(comparison.differences.map(difference)))
        object.append("adminRows", .array(comparison.adminRows.map { .object($0) }))
        return .object(object)
    }

    static func difference(_ difference: Difference) -> JSONValue {
        var object = JSONObject()
        object.append("kind", .string(difference.kind.rawValue))
        object.append("key", .object(difference.key))
        object.append("field", difference.field.map(JSONValue.string) ?? .null)
        object.append("localRaw", difference.localRaw ?? .null)
        object.append("remoteRaw", difference.remoteRaw ?? .null)
        object.append("localNormalized", difference.localNormalized ?? .null)
        object.append("remoteNormalized", difference.remoteNormalized ?? .null)
        object.append("rule", .string(difference.rule.rawValue))
        object.append("detail", difference.detail.map(JSONValue.string) ?? .null)
        return .object(object)
    }

    static func milliseconds(_ value: Double) -> JSONValue {
        .number(JSONNumber(literal: String(format: "%.1f", value)))
    }
}
