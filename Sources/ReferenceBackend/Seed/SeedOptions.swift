/// The seed's guardrails (plan, section 5, "Seed safety guardrails").
public struct SeedOptions: Sendable, Hashable {
    /// Tables whose source may be empty even though the database holds active seed rows.
    public var allowEmptyTables: Set<String>
    /// The largest share (0...1) of a table's active seed rows one run may deactivate. Default 0.5.
    public var maxDeactivationShare: Double
    /// Tables exempt from ``maxDeactivationShare``.
    public var allowMassDeactivationTables: Set<String>
    /// Let source rows take over rows with `source_type = 'admin'` (they become seed rows). Default: a
    /// conflict that aborts the seed.
    public var adoptAdminRows: Bool

    public init(
        allowEmptyTables: Set<String> = [], maxDeactivationShare: Double = 0.5,
        allowMassDeactivationTables: Set<String> = [], adoptAdminRows: Bool = false
    ) {
        self.allowEmptyTables = allowEmptyTables
        self.maxDeactivationShare = maxDeactivationShare
        self.allowMassDeactivationTables = allowMassDeactivationTables
        self.adoptAdminRows = adoptAdminRows
    }
}

/// The seed refused to run: a guardrail would be crossed. Nothing was written.
public struct SeedGuardError: Error, Sendable, CustomStringConvertible {
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public let table: String
        public let message: String
        public var description: String { "\(table): \(message)" }
    }

    public let violations: [Violation]

    public var description: String {
        "the seed was refused and nothing was written:\n"
            + violations.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// What one seed run did, per table and in total.
public struct SeedReport: Sendable, Hashable {
    public struct TableStats: Sendable, Hashable {
        public let table: String
        public var sourceRows = 0
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0
        public var reactivated = 0
        public var deactivated = 0
        public var adopted = 0
        public var milliseconds = 0.0

        public init(table: String) { self.table = table }
    }

    public var tables: [TableStats]
    public var milliseconds: Double
    public var schemaVersion: Int
    public var referenceVersion: String
    public var versionChanged: Bool
}
