import ReferenceCatalog

/// Options of ``ReferenceDataProvider/getBootstrap(options:)``.
public struct BootstrapOptions: Sendable, Hashable {
    /// Whether a cached bootstrap may be returned when the backend cannot be reached. Default false: an
    /// unreachable backend is an error even with a cache.
    public var allowStaleCache: Bool

    public init(allowStaleCache: Bool = false) { self.allowStaleCache = allowStaleCache }
}

/// The app's single seam for reference data (plan, phase 4). Everything above it (the
/// ``ExerciseConfigService`` facade, and the screens that use it) reads through this protocol and never
/// knows which store served the rows.
public protocol ReferenceDataProvider: Sendable {
    /// The whole reference dataset with its versions.
    func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap
    /// One table's rows (same rows and order as in the bootstrap).
    func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable
}

extension ReferenceDataProvider {
    public func getBootstrap() async throws -> ReferenceBootstrap {
        try await getBootstrap(options: BootstrapOptions())
    }

    /// One table with the default options, through the provider's own `getTable(_:options:)`. (A default
    /// argument on the method below would shadow a provider's implementation: a call without options would
    /// read the whole bootstrap, as this did for the local provider.)
    public func getTable(_ name: String) async throws -> ReferenceTable {
        try await getTable(name, options: BootstrapOptions())
    }

    /// For a provider without a cheaper way: the table out of the bootstrap.
    public func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable {
        guard ReferenceCatalog.table(named: name) != nil else { throw ReferenceProviderError.unknownTable(name) }
        let bootstrap = try await getBootstrap(options: options)
        guard let table = bootstrap.tables[name] else { throw ReferenceProviderError.unknownTable(name) }
        return table
    }
}

/// Why a provider could not deliver reference data.
public enum ReferenceProviderError: Error, Sendable, CustomStringConvertible {
    /// The bundled JSON is invalid: every problem with file, row, key and field.
    case invalidBundledData(SourceValidationError)
    /// The local SQLite store could not be built or read.
    case localStore(path: String, reason: String)
    /// The backend could not be reached, and no usable cache was allowed or present.
    case backendUnreachable(url: String, reason: String, cachedCopyAvailable: Bool)
    /// The backend answered, but not with what the contract promises.
    case badResponse(url: String, reason: String)
    /// The backend's document breaks the catalog: every problem with table, row index, key and field. It was
    /// neither used nor cached.
    case invalidDocument(url: String, problems: [SourceProblem])
    /// Not a catalog table.
    case unknownTable(String)
    /// A row lacks what the app needs from it (table, row index, field): never a trap.
    case unusableData(table: String, row: Int, field: String, reason: String)
    /// A scoring formula's expression cannot be evaluated.
    case invalidFormula(key: String, reason: String)

    /// The backend answered and what it served is the problem: evidence about the data, as opposed to a
    /// backend that could not be reached, a local store that failed, or bundled data that is invalid.
    public var isAboutServedData: Bool {
        switch self {
        case .badResponse, .invalidDocument, .unknownTable, .unusableData, .invalidFormula: true
        case .invalidBundledData, .localStore, .backendUnreachable: false
        }
    }

    public var description: String {
        switch self {
        case .invalidBundledData(let error): "the bundled reference data is invalid: \(error)"
        case .localStore(let path, let reason): "the local reference store at \(path) failed: \(reason)"
        case .backendUnreachable(let url, let reason, let cached):
            "the reference backend at \(url) is unreachable (\(reason))"
                + (cached ? "; a cached copy exists: allow it with allowStaleCache" : "; no cached copy exists yet")
        case .badResponse(let url, let reason): "the reference backend at \(url) answered badly: \(reason)"
        case .invalidDocument(let url, let problems):
            "the reference backend at \(url) sent a document the app cannot use (\(problems.count) problem"
                + "\(problems.count == 1 ? "" : "s")): "
                + problems.prefix(5).map(\.description).joined(separator: "; ")
                + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
        case .unknownTable(let name): "'\(name)' is not a reference table"
        case .unusableData(let table, let row, let field, let reason):
            "the reference data cannot be used: table \(table), row \(row), field \(field): \(reason)"
        case .invalidFormula(let key, let reason):
            "the scoring formula '\(key)' cannot be evaluated: \(reason)"
        }
    }
}
