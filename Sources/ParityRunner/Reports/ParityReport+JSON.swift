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
        summary.append("localRows", .number(JSONNumber(localRowCount)))
        summary.append("remoteRows", .number(JSONNumber(remoteRowCount)))
        summary.append("comparedRows", .number(JSONNumber(comparedRows)))
        summary.append("everyRowCompared", .bool(everyRowCompared))
        summary.append("accepted", .number(JSONNumber(acceptedCount)))
        summary.append("unused", .number(JSONNumber(unusedCount)))
        summary.append("expired", .number(JSONNumber(expiredCount)))
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
        object.append("comparedRows", .number(JSONNumber(comparison.comparedRows)))
        object.append("everyRowCompared", .bool(comparison.everyRowCompared))
        object.append("emptyAllowed", .bool(comparison.emptyAllowed))
        object.append(
            "accepted",
            .array(
                comparison.accepted.map { accepted in
                    guard case .object(var object) = difference(accepted.difference) else { return .null }
                    object.append("acceptance", acceptance(accepted.acceptance))
                    return .object(object)
                }))
        object.append("unused", .array(comparison.unused.map(acceptance)))
        object.append("expired", .array(comparison.expired.map(acceptance)))
        return .object(object)
    }

    static func acceptance(_ acceptance: Acceptance) -> JSONValue {
        var object = JSONObject()
        object.append("file", .string(acceptance.file))
        object.append("entry", .number(JSONNumber(acceptance.entry)))
        object.append("table", .string(acceptance.table))
        object.append("key", .object(acceptance.key))
        object.append("field", acceptance.field.map(JSONValue.string) ?? .null)
        object.append("kind", acceptance.kind.map { .string($0.rawValue) } ?? .null)
        object.append("reason", .string(acceptance.reason))
        object.append("owner", .string(acceptance.owner))
        object.append("expires", .string(acceptance.expires))
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
        object.append("outlier", difference.outlier.map { .string($0.rawValue) } ?? .null)
        if let bundle = difference.bundleRaw { object.append("bundleRaw", bundle) }
        return .object(object)
    }

    static func milliseconds(_ value: Double) -> JSONValue {
        .number(JSONNumber(literal: String(format: "%.1f", value)))
    }
}
