import Normalization
import ReferenceCatalog
import ReferenceProviders
import Synchronization

/// A provider that serves another provider's data without its admin rows (`source_type` 'admin': rows
/// operators add and the seed never touches, which flag OFF cannot have). The smoke run asks it when a remote
/// mode's answer differs from flag OFF: if the answer without the admin rows equals flag OFF's, the admin rows
/// explain the whole difference. It records the keys it left out, by table.
final class AdminRowsExcluded: ReferenceDataProvider {
    private let base: any ReferenceDataProvider
    private let excluded = Mutex<[String: Set<String>]>([:])

    init(_ base: any ReferenceDataProvider) { self.base = base }

    /// The admin rows left out so far: table → key descriptions (`a=x, b=y`), sorted.
    var excludedKeys: [String: [String]] {
        excluded.withLock { $0.mapValues { $0.sorted() } }
    }

    func getBootstrap(options: BootstrapOptions) async throws -> ReferenceBootstrap {
        var bootstrap = try await base.getBootstrap(options: options)
        bootstrap.tables = bootstrap.tables.mapValues(withoutAdminRows)
        return bootstrap
    }

    func getTable(_ name: String, options: BootstrapOptions) async throws -> ReferenceTable {
        withoutAdminRows(try await base.getTable(name, options: options))
    }

    private func withoutAdminRows(_ table: ReferenceTable) -> ReferenceTable {
        let admin = table.rows.filter { $0.sourceType == "admin" }
        guard !admin.isEmpty else { return table }
        let differ = TableDiffer()
        let keys = admin.map { Difference.describe(key: differ.keyObject($0, spec: table.spec)) }
        excluded.withLock { $0[table.name, default: []].formUnion(keys) }
        return ReferenceTable(spec: table.spec, rows: table.rows.filter { $0.sourceType != "admin" })
    }
}
