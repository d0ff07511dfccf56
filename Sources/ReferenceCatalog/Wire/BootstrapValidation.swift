/// The app's check of a bootstrap document before anything uses or caches it: the wrapper fields, every
/// catalog table present (and nothing else), and every row against the catalog, with the same rules the seed
/// applies to the bundled source (types, required values, unknown keys, duplicate keys, numbers that fit
/// their column, text PostgreSQL can hold, key lengths), plus `source_type`/`is_active` as the API sends
/// them and every reference resolving inside the document. The parity runner does not call it: it must see
/// the raw values, so that type drift shows as differences.
public enum BootstrapValidation {
    /// Every problem of `document`; empty when the app can use it. `origin` names the document in problems.
    public static func problems(of document: JSONValue, origin: String) -> [SourceProblem] {
        var problems: [SourceProblem] = []
        func wrapper(_ field: String, _ message: String) {
            problems.append(SourceProblem(.shape, file: origin, field: field, message: message))
        }
        guard case .object(let root) = document else {
            wrapper("(document)", "the top level must be an object, found \(document.kindName)")
            return problems
        }
        if case .string(let version)? = root["referenceVersion"], !version.isEmpty {
        } else {
            wrapper("referenceVersion", "must be a non-empty string")
        }
        if case .number(let number)? = root["schemaVersion"], let value = number.int64Value, value > 0 {
        } else {
            wrapper("schemaVersion", "must be a positive integer")
        }
        guard case .object(let tables)? = root["tables"] else {
            wrapper("tables", "must be an object of the 20 catalog tables")
            return problems
        }
        for member in tables where ReferenceCatalog.table(named: member.key) == nil {
            problems.append(
                SourceProblem(.unknownFile, file: origin, table: member.key, message: "not a catalog table"))
        }
        var validated: [SourceTable] = []
        var keySets: [String: Set<[String]>] = [:]
        for spec in ReferenceCatalog.tables {
            guard let rows = tables[spec.name] else {
                problems.append(
                    SourceProblem(.missingTable, file: origin, table: spec.name, message: "the table is missing"))
                continue
            }
            var validator = RowValidator(spec: spec, origin: origin, allowsSystemColumns: true)
            let aligned = validator.validate(document: rows)
            problems += validator.problems
            keySets[spec.name] = validator.keys
            validated.append(SourceTable(spec: spec, rows: aligned))
        }
        problems += ReferenceSource.resolveReferences(validated, keySets: keySets).1
        // Row-level problems first: they say what is wrong with the data, the rest where it is missing.
        return problems.filter { $0.row != nil } + problems.filter { $0.row == nil }
    }
}
