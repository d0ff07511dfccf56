import Foundation
import ReferenceCatalog

/// The parity run's third side: the bundle's JSON files read apart from `ReferenceSource`. Each file is
/// parsed by `JSONParser` into its row objects as written; nothing is validated, converted or filled in
/// but the catalog's documented column defaults (NORMALIZATION.md: a column with a database default takes it
/// when the source leaves the key out). Both providers see the data only after the loader and its
/// validator, so what those do to it (a default filled in, a value rewritten, a row dropped) is invisible
/// between them and shows against this side (`TableDiffer.compare(local:remote:bundle:)`).
public enum BundleJSON {
    /// The tables of `specs` as the files in `directory` hold them.
    public static func load(from directory: URL, specs: [TableSpec]) throws -> [String: ReferenceTable] {
        var tables: [String: ReferenceTable] = [:]
        for spec in specs { tables[spec.name] = try table(spec, from: directory) }
        return tables
    }

    /// One table as its file in `directory` holds it.
    public static func table(_ spec: TableSpec, from directory: URL) throws -> ReferenceTable {
        var table: ReferenceTable
        do {
            // Row by row as it is read: a file of hundreds of thousands of rows never exists as a whole tree.
            table = try BootstrapReader.rows(
                try Data(contentsOf: directory.appendingPathComponent(spec.sourceFileName)), spec: spec)
        } catch {
            throw SourceValidationError(problems: [
                SourceProblem(
                    .syntax, file: spec.sourceFileName, table: spec.name,
                    message: "read again as the bundle side, it no longer parses as an array of row objects: \(error)")
            ])
        }
        let defaults = spec.columns.enumerated().compactMap { position, column in
            column.defaultValue.map { (position, $0) }
        }
        guard !defaults.isEmpty else { return table }
        for index in table.rows.indices {
            for (position, value) in defaults where table.rows[index].values[position] == nil {
                table.rows[index].values[position] = value
            }
        }
        return table
    }
}
