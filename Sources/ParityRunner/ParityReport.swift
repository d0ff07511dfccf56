import Foundation
import Normalization
import ReferenceCatalog

/// The outcome of one parity run; rendered as text, JSON, Markdown or JUnit XML.
public struct ParityReport: Sendable {
    public struct Side: Sendable, Hashable {
        /// What was read: a directory or a URL.
        public let location: String
        public let schemaVersion: Int?
        public let referenceVersion: String

        public init(location: String, schemaVersion: Int?, referenceVersion: String) {
            self.location = location
            self.schemaVersion = schemaVersion
            self.referenceVersion = referenceVersion
        }
    }

    public let contractVersion: String
    public let strict: Bool
    public let local: Side
    public let remote: Side
    public let tables: [TableComparison]
    /// Milliseconds per step, in the order they ran.
    public let timings: [(step: String, milliseconds: Double)]

    public init(
        contractVersion: String, strict: Bool, local: Side, remote: Side, tables: [TableComparison],
        timings: [(step: String, milliseconds: Double)]
    ) {
        self.contractVersion = contractVersion
        self.strict = strict
        self.local = local
        self.remote = remote
        self.tables = tables
        self.timings = timings
    }

    /// Parity holds: every table passes, and rows were compared at all (a run that compared nothing proves
    /// nothing, whatever was allowed to be empty).
    public var passed: Bool { tables.allSatisfy(\.passed) && comparedRows > 0 }
    /// Rows matched by key and compared, over all tables.
    public var comparedRows: Int { tables.reduce(0) { $0 + $1.comparedRows } }
    /// Whether every row of every table was compared.
    public var everyRowCompared: Bool { tables.allSatisfy(\.everyRowCompared) }
    public var acceptedCount: Int { tables.reduce(0) { $0 + $1.accepted.count } }
    public var unusedCount: Int { tables.reduce(0) { $0 + $1.unused.count } }
    public var expiredCount: Int { tables.reduce(0) { $0 + $1.expired.count } }
    public var localRowCount: Int { tables.reduce(0) { $0 + $1.localRows } }
    public var remoteRowCount: Int { tables.reduce(0) { $0 + $1.remoteRows } }
    public var differenceCount: Int { tables.reduce(0) { $0 + $1.differences.count } }
    public var adminRowCount: Int { tables.reduce(0) { $0 + $1.adminRows.count } }
    public var failedTables: [TableComparison] { tables.filter { !$0.passed } }
    public var totalMilliseconds: Double { timings.reduce(0) { $0 + $1.milliseconds } }
}
