import ReferenceCatalog

/// One difference between the local and the remote side of a table.
public struct Difference: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A local row has no remote row with its key.
        case missingInRemote = "missing_in_remote"
        /// A remote row (not an admin row) has no local row with its key.
        case extraInRemote = "extra_in_remote"
        /// Both sides have the field, of the right type, with different normalized values.
        case field
        /// A value does not fit its column's type, a required key is missing, or a key is not a column.
        case type
        /// Two rows on one side share a primary key.
        case duplicateKey = "duplicate_key"
    }

    /// Which side a one-sided finding is on.
    public enum Side: String, Sendable, Hashable {
        case local, remote
    }

    public let kind: Kind
    public let table: String
    /// The primary-key columns and their values.
    public let key: JSONObject
    /// The column, `nil` for whole-row kinds.
    public let field: String?
    /// Raw values as each side delivered them (`nil`: absent). For whole-row kinds, the row object.
    public let localRaw: JSONValue?
    public let remoteRaw: JSONValue?
    /// Normalized values (`nil`: absent or not normalizable).
    public let localNormalized: JSONValue?
    public let remoteNormalized: JSONValue?
    public let rule: NormalizationRule
    /// A short explanation (type mismatches say what was found).
    public let detail: String?

    /// The key as `a=x, b=y`, for text output.
    public var keyDescription: String {
        key.members.map { "\($0.key)=\($0.value.stringValue ?? $0.value.description)" }.joined(separator: ", ")
    }
}

/// The comparison of one table.
public struct TableComparison: Sendable, Hashable {
    public let table: String
    public let localRows: Int
    public let remoteRows: Int
    /// Sorted by key (UTF-8 byte order), then field in column order.
    public let differences: [Difference]
    /// Keys of remote-only admin rows (listed, not failures unless strict).
    public let adminRows: [JSONObject]

    public var passed: Bool { differences.isEmpty }
}
