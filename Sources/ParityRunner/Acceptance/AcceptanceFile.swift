import Foundation
import Normalization
import ReferenceCatalog
import Yams

/// Reads an accepted-differences file (`--accept FILE`, YAML or JSON; schema in the README): a list of
/// entries, at the top level or under `accept:`. Every entry names `table`, `key` (the table's primary-key
/// columns; omitted only for `kind: empty_table`), optionally `field` and `kind`, and `reason`, `owner` and
/// `expires` (`YYYY-MM-DD`). Anything else is an ``AcceptanceFileError`` naming the file, the entry and the
/// field.
public enum AcceptanceFile {
    static let entryFields: Set<String> = ["table", "key", "field", "kind", "reason", "owner", "expires"]

    public static func load(_ path: String) throws(AcceptanceFileError) -> [Acceptance] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AcceptanceFileError(file: path, entry: nil, field: nil, message: "cannot be read: \(reason(error))")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AcceptanceFileError(
                file: path, entry: nil, field: nil, message: "is not YAML or JSON: \(reason(error))")
        }
        guard let root else { return [] }
        let entries: [Node]
        if let list = root.sequence {
            entries = Array(list)
        } else if let mapping = root.mapping, mapping.count == 1, let list = mapping["accept"]?.sequence {
            entries = Array(list)
        } else {
            throw AcceptanceFileError(
                file: path, entry: nil, field: nil, message: "must be a list of entries, or a mapping with 'accept:'")
        }
        return try entries.enumerated().map { (index, node) throws(AcceptanceFileError) in
            try entry(node, number: index + 1, file: path)
        }
    }

    private static func entry(_ node: Node, number: Int, file: String) throws(AcceptanceFileError) -> Acceptance {
        func fail(_ field: String?, _ message: String) -> AcceptanceFileError {
            AcceptanceFileError(file: file, entry: number, field: field, message: message)
        }
        guard let mapping = node.mapping else { throw fail(nil, "is not a mapping") }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw fail(nil, "has a key that is not text") }
            guard entryFields.contains(name) else {
                throw fail(name, "unknown field (expected \(entryFields.sorted().joined(separator: ", ")))")
            }
            values[name] = value
        }
        func text(_ field: String, required: Bool) throws(AcceptanceFileError) -> String? {
            guard let node = values[field] else {
                if required { throw fail(field, "is missing") }
                return nil
            }
            guard let scalar = node.scalar?.string, !scalar.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(field, "must be non-empty text")
            }
            return scalar
        }
        let tableName = try text("table", required: true)!
        guard let spec = ReferenceCatalog.table(named: tableName) else {
            throw fail("table", "'\(tableName)' is not a catalog table")
        }
        var kind: Difference.Kind?
        if let kindText = try text("kind", required: false) {
            guard let parsed = Difference.Kind(rawValue: kindText) else {
                throw fail(
                    "kind",
                    "'\(kindText)' is not a difference kind (\(Difference.Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            kind = parsed
        }
        var key = JSONObject()
        if let keyNode = values["key"] {
            guard let keyMapping = keyNode.mapping else {
                throw fail("key", "must be a mapping of \(spec.primaryKey.joined(separator: ", "))")
            }
            for (columnNode, valueNode) in keyMapping {
                guard let column = columnNode.string, spec.primaryKey.contains(column) else {
                    throw fail(
                        "key",
                        "'\(columnNode.string ?? "?")' is not a primary-key column of \(spec.name) "
                            + "(\(spec.primaryKey.joined(separator: ", ")))")
                }
                guard let value = valueNode.scalar?.string else { throw fail("key", "\(column) must be a value") }
                key.append(column, .string(value))
            }
            guard Set(key.keys) == Set(spec.primaryKey) else {
                throw fail(
                    "key",
                    "must name every primary-key column of \(spec.name): \(spec.primaryKey.joined(separator: ", "))")
            }
        } else if kind != .emptyTable {
            throw fail("key", "is missing (only an entry with kind: empty_table has no key)")
        }
        let field = try text("field", required: false)
        if let field, spec.columnIndex[field] == nil {
            throw fail("field", "'\(field)' is not a column of \(spec.name)")
        }
        let expires = try text("expires", required: true)!
        guard isDate(expires) else { throw fail("expires", "'\(expires)' is not a date (YYYY-MM-DD)") }
        return Acceptance(
            file: file, entry: number, table: spec.name, key: key, field: field, kind: kind,
            reason: try text("reason", required: true)!, owner: try text("owner", required: true)!, expires: expires)
    }

    /// `YYYY-MM-DD`, a real day of the Gregorian calendar.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    private static func reason(_ error: any Error) -> String {
        "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}

/// An accepted-differences file that cannot be used: names the file, the entry (1-based) and the field.
public struct AcceptanceFileError: Error, Sendable, Hashable, CustomStringConvertible, ClassifiedError {
    public let file: String
    public let entry: Int?
    public let field: String?
    public let message: String

    public var description: String {
        var text = "accepted-differences file \(file)"
        if let entry { text += ", entry \(entry)" }
        if let field { text += ", field '\(field)'" }
        return text + ": " + message
    }

    public var failureKind: FailureKind { .badInput }
}

/// Applies acceptances and `--allow-empty` to compared tables.
public enum Acceptances {
    /// Moves each difference that an unexpired acceptance covers to `accepted`, removes `empty_table` for
    /// tables allowed to be empty, and records acceptances that matched nothing (`unused`, failing the table
    /// with `strict`) and those past their date (`expired`, failing the table).
    public static func apply(
        _ comparison: TableComparison, acceptances: [Acceptance], allowEmpty: Set<String>, today: String,
        strict: Bool
    ) -> TableComparison {
        var result = comparison
        let mine = acceptances.filter { $0.table == comparison.table }
        let current = mine.filter { $0.expires >= today }
        result.expired = mine.filter { $0.expires < today }
        var used = Set<Int>()
        var remaining: [Difference] = []
        for difference in comparison.differences {
            if difference.kind == .emptyTable && allowEmpty.contains(comparison.table) {
                result.emptyAllowed = true
                continue
            }
            if let (index, acceptance) = current.enumerated().first(where: { $0.element.matches(difference) }) {
                used.insert(index)
                result.accepted.append(AcceptedDifference(difference: difference, acceptance: acceptance))
                if difference.kind == .emptyTable { result.emptyAllowed = true }
            } else {
                remaining.append(difference)
            }
        }
        result.differences = remaining
        result.unused = current.enumerated().filter { !used.contains($0.offset) }.map(\.element)
        result.unusedFails = strict
        return result
    }

    /// Today in UTC, `YYYY-MM-DD`.
    public static func today(_ now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }
}
