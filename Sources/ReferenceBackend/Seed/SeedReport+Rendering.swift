import Foundation
import ReferenceCatalog

extension SeedReport {
    /// The report as one JSON document (what `seed --format json` prints).
    public var json: JSONValue {
        var root = JSONObject()
        root.append("schemaVersion", .number(JSONNumber(schemaVersion)))
        root.append("referenceVersion", .string(referenceVersion))
        root.append("versionChanged", .bool(versionChanged))
        root.append("milliseconds", .number(JSONNumber(literal: String(format: "%.1f", milliseconds))))
        root.append(
            "tables",
            .array(
                tables.map { stats in
                    .object(
                        JSONObject([
                            "table": .string(stats.table), "sourceRows": .number(JSONNumber(stats.sourceRows)),
                            "inserted": .number(JSONNumber(stats.inserted)),
                            "updated": .number(JSONNumber(stats.updated)),
                            "unchanged": .number(JSONNumber(stats.unchanged)),
                            "reactivated": .number(JSONNumber(stats.reactivated)),
                            "deactivated": .number(JSONNumber(stats.deactivated)),
                            "adopted": .number(JSONNumber(stats.adopted)),
                            "milliseconds": .number(JSONNumber(literal: String(format: "%.1f", stats.milliseconds))),
                        ]))
                }))
        return .object(root)
    }

    /// A fixed-width table for people.
    public var text: String {
        let header = ["table", "source", "inserted", "updated", "unchanged", "reactivated", "deactivated", "ms"]
        var lines = [header]
        for stats in tables {
            lines.append([
                stats.table, "\(stats.sourceRows)", "\(stats.inserted)", "\(stats.updated)", "\(stats.unchanged)",
                "\(stats.reactivated)", "\(stats.deactivated)", String(format: "%.1f", stats.milliseconds),
            ])
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        var output = lines.map { line in
            line.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        output.append(
            "seeded \(tables.count) tables in \(String(format: "%.0f", milliseconds)) ms; schema version \(schemaVersion), "
                + "reference version \(referenceVersion)\(versionChanged ? "" : " (unchanged)")")
        return output.joined(separator: "\n")
    }
}
