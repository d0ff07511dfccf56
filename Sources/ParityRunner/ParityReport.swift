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
    }

    public let contractVersion: String
    public let strict: Bool
    public let local: Side
    public let remote: Side
    public let tables: [TableComparison]
    /// Milliseconds per step, in the order they ran.
    public let timings: [(step: String, milliseconds: Double)]

    public var passed: Bool { tables.allSatisfy(\.passed) }
    public var differenceCount: Int { tables.reduce(0) { $0 + $1.differences.count } }
    public var adminRowCount: Int { tables.reduce(0) { $0 + $1.adminRows.count } }
    public var failedTables: [TableComparison] { tables.filter { !$0.passed } }
    public var totalMilliseconds: Double { timings.reduce(0) { $0 + $1.milliseconds } }
}
