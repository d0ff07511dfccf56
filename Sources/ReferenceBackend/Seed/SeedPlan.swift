import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// What a seed would do, computed without writing (`reference-backend seed --dry-run`): per table the rows it
/// would insert, update (and which fields), reactivate and deactivate, and the source rows that collide with
/// admin rows. Computed in a `READ ONLY` transaction with the seed's own comparison (values as text, so
/// `1.10` vs `1.1` and array order count), the source passed as one binary `text[]` parameter per column and
/// read by `unnest`: no staging table, no temporary object.
public struct SeedPlan: Sendable {
    /// Rows that would change in one column.
    public struct FieldChange: Sendable, Hashable {
        public let field: String
        public let rows: Int
    }

    /// One row the seed would change, named by its key: what would happen to it and, for an update, which
    /// fields.
    public struct RowChange: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case insert, update, reactivate, deactivate
            case adminConflict = "admin_conflict"

            /// The verb the text output uses.
            var verb: String {
                switch self {
                case .insert: "insert"
                case .update: "update"
                case .reactivate: "reactivate"
                case .deactivate: "deactivate"
                case .adminConflict: "admin row"
                }
            }
        }

        public let kind: Kind
        /// The primary-key columns and their values, in key order.
        public let key: [(column: String, value: String)]
        /// The columns that would change (updates only), in catalog order.
        public let fields: [String]

        public init(kind: Kind, key: [(column: String, value: String)], fields: [String] = []) {
            self.kind = kind
            self.key = key
            self.fields = fields
        }

        /// `exercise_key=barbell-squat`, `formula_key=wilks, variant=male, coefficient=a`.
        public var keyText: String { key.map { "\($0.column)=\($0.value)" }.joined(separator: ", ") }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.kind == rhs.kind && lhs.keyText == rhs.keyText && lhs.fields == rhs.fields
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
            hasher.combine(keyText)
            hasher.combine(fields)
        }
    }

    /// How many rows of each kind a table's plan names by key; the rest are counted.
    public static let namedRowsPerKind = 10

    public struct TablePlan: Sendable, Hashable {
        public let table: String
        public let sourceRows: Int
        public let inserted: Int
        public let updated: Int
        /// Rows that would change per column, for the columns that change.
        public let updatedFields: [FieldChange]
        public let reactivated: Int
        public let deactivated: Int
        public let adminConflicts: Int
        /// The first rows of each kind by key (byte order), at most ``SeedPlan/namedRowsPerKind`` of each.
        public let rows: [RowChange]

        /// The rows of `kind` that ``rows`` does not name.
        public func unnamed(_ kind: RowChange.Kind) -> Int {
            let total =
                switch kind {
                case .insert: inserted
                case .update: updated
                case .reactivate: reactivated
                case .deactivate: deactivated
                case .adminConflict: adminConflicts
                }
            return max(0, total - rows.filter { $0.kind == kind }.count)
        }

        public var isEmpty: Bool { inserted + updated + reactivated + deactivated + adminConflicts == 0 }
    }

    public let tables: [TablePlan]
    public let milliseconds: Double

    /// Nothing would be written.
    public var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

    public var text: String {
        var lines: [String] = []
        for plan in tables where !plan.isEmpty {
            var parts: [String] = []
            if plan.inserted > 0 { parts.append("insert \(plan.inserted)") }
            if plan.updated > 0 {
                parts.append(
                    "update \(plan.updated) ("
                        + plan.updatedFields.map { "\($0.field) \($0.rows)" }.joined(separator: ", ") + ")")
            }
            if plan.reactivated > 0 { parts.append("reactivate \(plan.reactivated)") }
            if plan.deactivated > 0 { parts.append("deactivate \(plan.deactivated)") }
            if plan.adminConflicts > 0 { parts.append("\(plan.adminConflicts) source rows collide with admin rows") }
            lines.append("\(plan.table): " + parts.joined(separator: ", "))
            for kind in RowChange.Kind.allCases {
                for row in plan.rows where row.kind == kind {
                    lines.append(
                        "  \(kind.verb) \(row.keyText)"
                            + (row.fields.isEmpty ? "" : ": " + row.fields.joined(separator: ", ")))
                }
                let rest = plan.unnamed(kind)
                if rest > 0 {
                    lines.append("  ... and \(rest) more \(kind == .adminConflict ? "admin rows" : kind.verb + "s")")
                }
            }
        }
        lines.append(
            isEmpty
                ? "the database already holds the source: a seed would write nothing"
                : "a seed would change \(tables.filter { !$0.isEmpty }.count) of \(tables.count) tables")
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        var root = JSONObject()
        root.append("empty", .bool(isEmpty))
        root.append(
            "tables",
            .array(
                tables.map { plan in
                    var object = JSONObject()
                    object.append("table", .string(plan.table))
                    object.append("sourceRows", .number(JSONNumber(plan.sourceRows)))
                    object.append("insert", .number(JSONNumber(plan.inserted)))
                    object.append("update", .number(JSONNumber(plan.updated)))
                    var fields = JSONObject()
                    for change in plan.updatedFields { fields.append(change.field, .number(JSONNumber(change.rows))) }
                    object.append("updatedFields", .object(fields))
                    object.append("reactivate", .number(JSONNumber(plan.reactivated)))
                    object.append("deactivate", .number(JSONNumber(plan.deactivated)))
                    object.append("adminConflicts", .number(JSONNumber(plan.adminConflicts)))
                    object.append(
                        "rows",
                        .array(
                            plan.rows.map { row in
                                var change = JSONObject()
                                change.append("kind", .string(row.kind.rawValue))
                                var key = JSONObject()
                                for part in row.key { key.append(part.column, .string(part.value)) }
                                change.append("key", .object(key))
                                if row.kind == .update {
                                    change.append("fields", .array(row.fields.map(JSONValue.string)))
                                }
                                return .object(change)
                            }))
                    var unnamed = JSONObject()
                    for kind in RowChange.Kind.allCases where plan.unnamed(kind) > 0 {
                        unnamed.append(kind.rawValue, .number(JSONNumber(plan.unnamed(kind))))
                    }
                    object.append("unnamedRows", .object(unnamed))
                    return .object(object)
                }))
        root.append("milliseconds", .number(JSONNumber(literal: String(format: "%.1f", milliseconds))))
        return .object(root)
    }
}
