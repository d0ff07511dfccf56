import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// What the seed checks outside the source before planning: the seed role, and references that point at rows
/// of the database rather than of the source.
extension Seeder {
    func canUseSeedRole(_ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'reference_seeder'",
            logger: logger)
        for try await member in rows.decode(Bool.self) { return member }
        return false
    }

    /// References that point outside the source must name active rows of the database.
    func checkExternalReferences(
        _ references: [UnresolvedReference], on connection: PostgresConnection
    )
        async throws
    {
        guard !references.isEmpty else { return }
        var problems: [SourceProblem] = []
        let grouped = Dictionary(grouping: references) {
            "\($0.foreignKey.referencedTable)|\($0.foreignKey.referencedColumns.joined(separator: ","))"
        }
        for (_, group) in grouped.sorted(by: { $0.key < $1.key }) {
            let foreignKey = group[0].foreignKey
            guard foreignKey.referencedColumns.count == 1,
                let target = ReferenceCatalog.table(named: foreignKey.referencedTable)
            else { continue }
            let wanted = Array(Set(group.map { $0.values[0] }))
            let sql =
                "SELECT \(quoteIdentifier(foreignKey.referencedColumns[0]))::text FROM \(quoteIdentifier(target.name)) WHERE is_active AND \(quoteIdentifier(foreignKey.referencedColumns[0])) = ANY($1::text[])"
            var bindings = PostgresBindings()
            bindings.append(wanted)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var found = Set<String>()
            for try await value in rows.decode(String.self) { found.insert(value) }
            for reference in group where !found.contains(reference.values[0]) {
                problems.append(
                    SourceProblem(
                        .unresolvedReference, file: "\(reference.table).json", table: reference.table,
                        row: reference.row,
                        key: reference.key, field: reference.foreignKey.columns.joined(separator: ","),
                        message:
                            "\(reference.values[0]) is neither in \(target.name).json nor an active row of \(target.name)"
                    ))
            }
        }
        if !problems.isEmpty {
            throw SourceValidationError(
                problems: problems.sorted { ($0.table ?? "", $0.row ?? 0) < ($1.table ?? "", $1.row ?? 0) })
        }
    }
}
