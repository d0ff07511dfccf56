import Foundation
import Synchronization

/// One table's rows from the source, each row aligned with the catalog's columns. Missing nullable keys are
/// `.null`; missing keys with a database default hold that default.
public struct SourceTable: Sendable, Hashable {
    public let spec: TableSpec
    public let rows: [[JSONValue]]

    public init(spec: TableSpec, rows: [[JSONValue]]) {
        self.spec = spec
        self.rows = rows
    }

    /// The primary-key values of `row`, joined for messages: `a, b`.
    public func keyDescription(_ row: [JSONValue]) -> String {
        spec.primaryKeyIndices.map { row[$0].stringValue ?? row[$0].description }.joined(separator: ", ")
    }
}

/// A reference that does not resolve inside the source; the seed looks for it among the database's active
/// rows before it gives up.
public struct UnresolvedReference: Sendable, Hashable {
    public let table: String
    public let row: Int
    public let key: String
    public let foreignKey: ForeignKey
    public let values: [String]
}

/// The validated source: all 20 tables, in seed order, plus a content hash of the files.
public struct ReferenceSource: Sendable {
    public let directory: URL
    public let tables: [SourceTable]
    /// References that point outside the source (only a seed over existing data can satisfy them).
    public let unresolvedReferences: [UnresolvedReference]
    /// A fingerprint of the files (FNV-1a, 64-bit, over names and bytes; not for security), hex.
    public let contentHash: String

    public func table(named name: String) -> SourceTable? { tables.first { $0.spec.name == name } }

    /// The content hash ``load(from:allowExternalReferences:)`` would compute, without parsing: `nil` when a
    /// table file is missing. Cheap enough for every app start.
    public static func contentHash(of directory: URL) -> String? {
        var hasher = ContentHasher()
        for spec in ReferenceCatalog.tables {
            guard
                let data = FileManager.default.contents(
                    atPath: directory.appendingPathComponent(spec.sourceFileName).path)
            else { return nil }
            hasher.combine(Array(spec.sourceFileName.utf8))
            hasher.combine(Array(data))
        }
        return hasher.hexDigest
    }

    /// Reads and validates `directory`. Throws ``SourceValidationError`` listing every problem. With
    /// `allowExternalReferences` false, a reference that does not resolve in the source is a problem too.
    public static func load(from directory: URL, allowExternalReferences: Bool = false) throws -> ReferenceSource {
        var problems: [SourceProblem] = []
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SourceValidationError(problems: [
                SourceProblem(
                    .missingDirectory, file: directory.path,
                    message: "the source directory does not exist or is not a directory")
            ])
        }
        let names = ((try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        for file in names where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            if ReferenceCatalog.table(named: name) == nil {
                problems.append(
                    SourceProblem(.unknownFile, file: file, message: "not a catalog table; remove or rename it"))
            }
        }
        // Read every file (in catalog order, for the hash), then parse and validate the tables side by side:
        // each is independent until the references between them are resolved.
        var hasher = ContentHasher()
        var files: [(spec: TableSpec, data: Data)] = []
        for spec in ReferenceCatalog.tables {
            let url = directory.appendingPathComponent(spec.sourceFileName)
            guard let data = fileManager.contents(atPath: url.path) else {
                problems.append(
                    SourceProblem(
                        .missingFile, file: spec.sourceFileName, table: spec.name,
                        message: "missing: every catalog table needs its file (an empty array is allowed)"))
                continue
            }
            hasher.combine(Array(spec.sourceFileName.utf8))
            hasher.combine(Array(data))
            files.append((spec, data))
        }
        let checked = Mutex<[Int: CheckedTable]>([:])
        let read = files
        DispatchQueue.concurrentPerform(iterations: read.count) { index in
            let result = CheckedTable.check(read[index].spec, data: read[index].data)
            checked.withLock { $0[index] = result }
        }
        var tables: [SourceTable] = []
        var keySets: [String: Set<[String]>] = [:]
        let results = checked.withLock { $0 }
        for index in files.indices {
            guard let result = results[index] else { continue }
            problems.append(contentsOf: result.problems)
            if let table = result.table {
                keySets[table.spec.name] = result.keys
                tables.append(table)
            }
        }
        let (unresolved, referenceProblems) = resolveReferences(tables, keySets: keySets)
        if !allowExternalReferences { problems.append(contentsOf: referenceProblems) }
        if !problems.isEmpty { throw SourceValidationError(problems: problems) }
        return ReferenceSource(
            directory: directory, tables: tables, unresolvedReferences: allowExternalReferences ? unresolved : [],
            contentHash: hasher.hexDigest)
    }

    /// Checks every foreign key against the keys of the source's own rows (`keySets`, per table).
    static func resolveReferences(
        _ tables: [SourceTable], keySets: [String: Set<[String]>]
    ) -> ([UnresolvedReference], [SourceProblem]) {
        var unresolved: [UnresolvedReference] = []
        var problems: [SourceProblem] = []
        for table in tables {
            for foreignKey in table.spec.foreignKeys {
                let indices = foreignKey.columns.compactMap { table.spec.columnIndex[$0] }
                let targets = keySets[foreignKey.referencedTable] ?? []
                for (rowIndex, row) in table.rows.enumerated() {
                    let values = indices.map { row[$0] }
                    if values.contains(.null) { continue }
                    let strings = values.map { $0.stringValue ?? $0.description }
                    if targets.contains(strings) { continue }
                    let key = table.keyDescription(row)
                    unresolved.append(
                        UnresolvedReference(
                            table: table.spec.name, row: rowIndex, key: key, foreignKey: foreignKey, values: strings))
                    problems.append(
                        SourceProblem(
                            .unresolvedReference, file: table.spec.sourceFileName, table: table.spec.name,
                            row: rowIndex,
                            key: key, field: foreignKey.columns.joined(separator: ","),
                            message: "\(strings.joined(separator: ", ")) is not a key of \(foreignKey.referencedTable)")
                    )
                }
            }
        }
        return (unresolved, problems)
    }
}

/// 64-bit FNV-1a, for content fingerprints (not for security).
public struct ContentHasher: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ bytes: [UInt8]) {
        for byte in bytes {
            state ^= UInt64(byte)
            state &*= 0x0000_0100_0000_01B3
        }
        // Length separator, so ("ab","c") and ("a","bc") differ.
        state ^= UInt64(bytes.count)
        state &*= 0x0000_0100_0000_01B3
    }

    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension ReferenceSource {
    /// A copy with one table's rows replaced (for the checklist's deprecation proof).
    public static func replacing(
        _ source: ReferenceSource, table name: String, _ change: ([[JSONValue]]) -> [[JSONValue]]
    ) -> ReferenceSource {
        ReferenceSource(
            directory: source.directory,
            tables: source.tables.map { $0.spec.name == name ? SourceTable(spec: $0.spec, rows: change($0.rows)) : $0 },
            unresolvedReferences: source.unresolvedReferences, contentHash: source.contentHash)
    }
}

/// One table's file, parsed and checked: its rows (nil when the JSON does not parse), problems and keys.
private struct CheckedTable: Sendable {
    let table: SourceTable?
    let problems: [SourceProblem]
    let keys: Set<[String]>

    static func check(_ spec: TableSpec, data: Data) -> CheckedTable {
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            return CheckedTable(
                table: nil,
                problems: [
                    SourceProblem(
                        .syntax, file: spec.sourceFileName, table: spec.name, line: error.line,
                        column: error.column, message: "JSON syntax: \(error.message) (byte \(error.offset))")
                ], keys: [])
        }
        var validator = RowValidator(spec: spec)
        let rows = validator.validate(document: value)
        return CheckedTable(
            table: SourceTable(spec: spec, rows: rows), problems: validator.problems, keys: validator.keys)
    }
}
