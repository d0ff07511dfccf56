import Foundation
import Normalization
import PostgresSupport
import ReferenceCatalog

/// What one parity run compares, and against what.
public struct ParityOptions: Sendable {
    /// Tables to compare; empty means all 20.
    public var tables: [String]
    /// The bundled source (`--source`), default the project's `ReferenceData/`.
    public var sourceDirectory: URL
    /// A server to use instead of the throwaway cluster (`--database-url`): the named database is migrated,
    /// seeded and served.
    public var databaseURL: DatabaseURL?
    /// A running backend to compare against, without seeding (`--backend-url`).
    public var backendURL: URL?
    /// Remote-only admin rows fail the run instead of being listed (`--strict`).
    public var strict: Bool
    /// Seconds the bootstrap request may take (`REFERENCE_HTTP_TIMEOUT`, default 30 here).
    public var httpTimeout: Double
    /// Tables that may be empty on both sides (`--allow-empty`).
    public var allowEmpty: Set<String> = []
    /// Known, owned, temporary differences (`--accept FILE`).
    public var acceptances: [Acceptance] = []
    /// The day acceptances are judged on (`YYYY-MM-DD`, UTC); default today.
    public var today: String = Acceptances.today()

    public init(
        tables: [String] = [], sourceDirectory: URL = ReferenceDataLocation.defaultDirectory(),
        databaseURL: DatabaseURL? = nil,
        backendURL: URL? = nil, strict: Bool = false, httpTimeout: Double = 30
    ) {
        self.httpTimeout = httpTimeout
        self.tables = tables
        self.sourceDirectory = sourceDirectory
        self.databaseURL = databaseURL
        self.backendURL = backendURL
        self.strict = strict
    }

    /// The selected tables in catalog order; unknown names (in `--table` or `--allow-empty`) are a usage error.
    public func selectedTables() throws -> [TableSpec] {
        let unknown = (tables + allowEmpty.sorted()).filter { ReferenceCatalog.table(named: $0) == nil }
        guard unknown.isEmpty else { throw ParityError.unknownTables(unknown) }
        if tables.isEmpty { return ReferenceCatalog.tables }
        let wanted = Set(tables)
        return ReferenceCatalog.tables.filter { wanted.contains($0.name) }
    }
}
