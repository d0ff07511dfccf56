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
        /// Neither side has a row: nothing was compared (allowed only when declared, `--allow-empty`).
        case emptyTable = "empty_table"
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
    /// Against the third side, the bundle's raw JSON: the side that disagrees with the other two (`nil` when
    /// the bundle was not compared). See ``TableDiffer/compare(local:remote:bundle:)``.
    public internal(set) var outlier: Outlier?
    /// The bundle's raw value (the row object for whole-row kinds) when the bundle is the outlier.
    public internal(set) var bundleRaw: JSONValue?

    /// Which of the three sides (bundle JSON, local provider, backend) a difference lies with.
    public enum Outlier: String, Sendable, Hashable {
        /// The backend disagrees with the bundle and the local provider.
        case remote
        /// The local provider disagrees with the bundle and the backend (a loader or SQLite bug).
        case local
        /// Both providers agree and the bundle's JSON says otherwise: what the shared loader and validator
        /// did to the data (a default filled in, a value rewritten) is invisible to local-against-remote.
        case bundle
        /// All three differ.
        case all

        /// Which pair disagrees, in words, for the reports.
        public var summary: String {
            switch self {
            case .remote: "the backend disagrees with the bundle JSON and the local provider"
            case .local: "the local provider disagrees with the bundle JSON and the backend"
            case .bundle: "both providers agree; the bundle JSON disagrees with them"
            case .all: "the bundle JSON, the local provider and the backend all differ"
            }
        }
    }

    /// The key as `a=x, b=y`, for text output.
    public var keyDescription: String { Self.describe(key: key) }

    /// A key object as `a=x, b=y`.
    public static func describe(key: JSONObject) -> String {
        key.members.map { "\($0.key)=\($0.value.stringValue ?? $0.value.description)" }.joined(separator: ", ")
    }
}

/// The comparison of one table.
public struct TableComparison: Sendable, Hashable {
    public let table: String
    public let localRows: Int
    public let remoteRows: Int
    /// Rows matched by key on both sides and compared field by field.
    public let comparedRows: Int
    /// Sorted by key (UTF-8 byte order), then field in column order. Accepted differences are not here.
    public var differences: [Difference]
    /// Keys of remote-only admin rows (listed, not failures unless strict).
    public let adminRows: [JSONObject]
    /// Differences an unexpired acceptance covers: reported, not failures.
    public var accepted: [AcceptedDifference] = []
    /// Acceptances of this table that matched no difference.
    public var unused: [Acceptance] = []
    /// Acceptances of this table past their date: each fails the run.
    public var expired: [Acceptance] = []
    /// The table was declared empty on purpose (`--allow-empty`, or an acceptance of `empty_table`).
    public var emptyAllowed = false
    /// Whether unused acceptances fail the table (`--strict`).
    public var unusedFails = false

    public init(
        table: String, localRows: Int, remoteRows: Int, comparedRows: Int, differences: [Difference],
        adminRows: [JSONObject]
    ) {
        self.table = table
        self.localRows = localRows
        self.remoteRows = remoteRows
        self.comparedRows = comparedRows
        self.differences = differences
        self.adminRows = adminRows
    }

    /// Every local row and every remote row but the listed admin rows was matched and compared.
    public var everyRowCompared: Bool {
        comparedRows == localRows && comparedRows + adminRows.count == remoteRows
    }

    public var passed: Bool { differences.isEmpty && expired.isEmpty && !(unusedFails && !unused.isEmpty) }
}

/// A known, owned, temporary difference that a team goes ahead with (`--accept FILE`): it matches
/// differences by table and key, and by field and kind when it names them.
public struct Acceptance: Sendable, Hashable {
    /// Where it was declared: the file and the entry's position (1-based), for messages.
    public let file: String
    public let entry: Int
    public let table: String
    /// The primary-key columns and their values; empty for an `empty_table` acceptance.
    public let key: JSONObject
    public let field: String?
    public let kind: Difference.Kind?
    public let reason: String
    public let owner: String
    /// The last day it holds (`YYYY-MM-DD`, UTC).
    public let expires: String

    public init(
        file: String, entry: Int, table: String, key: JSONObject, field: String?, kind: Difference.Kind?,
        reason: String, owner: String, expires: String
    ) {
        self.file = file
        self.entry = entry
        self.table = table
        self.key = key
        self.field = field
        self.kind = kind
        self.reason = reason
        self.owner = owner
        self.expires = expires
    }

    /// Whether this acceptance covers `difference`.
    public func matches(_ difference: Difference) -> Bool {
        guard difference.table == table else { return false }
        if let kind, difference.kind != kind { return false }
        if let field, difference.field != field { return false }
        guard key.count == difference.key.count else { return false }
        for member in key {
            guard let value = difference.key[member.key] else { return false }
            if (value.stringValue ?? value.description) != (member.value.stringValue ?? member.value.description) {
                return false
            }
        }
        return true
    }
}

/// A difference and the acceptance that covers it.
public struct AcceptedDifference: Sendable, Hashable {
    public let difference: Difference
    public let acceptance: Acceptance

    public init(difference: Difference, acceptance: Acceptance) {
        self.difference = difference
        self.acceptance = acceptance
    }
}
