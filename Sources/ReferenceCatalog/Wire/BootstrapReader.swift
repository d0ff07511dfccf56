import Foundation

/// Reads a bootstrap document into typed tables without building it as one `JSONValue` tree: each row object
/// is parsed and turned into a `ReferenceRow` at once, so a document of hundreds of megabytes costs its rows,
/// not its rows twice. The same document gives the same `ReferenceBootstrap` as
/// `ReferenceBootstrap(json: JSONParser.parse(data))`, and the same errors for a document of the wrong shape
/// (syntax errors are `JSONSyntaxError`s with their position); the one difference: reading as it goes, it
/// reports whichever problem comes first in the document, where the tree reports a syntax error first.
public enum BootstrapReader {
    public static func read(_ data: Data) throws -> ReferenceBootstrap {
        var reader = BootstrapTables(data)
        var tables: [String: ReferenceTable] = [:]
        while let table = try reader.next() { tables[table.spec.name] = table }
        let header = try reader.header()
        return ReferenceBootstrap(
            schemaVersion: header.schemaVersion, referenceVersion: header.referenceVersion,
            generatedAt: header.generatedAt, tables: tables)
    }
}

extension BootstrapReader {
    /// A document that is one JSON array of row objects (a bundle file), decoded row by row as it is read,
    /// without the document's tree: no value is validated, converted or filled in.
    public static func rows(_ data: Data, spec: TableSpec) throws -> ReferenceTable {
        try data.withUnsafeBytes { try rows($0, spec: spec) }
    }

    /// The same, over bytes in memory (a table's rows as PostgreSQL sent them).
    public static func rows(_ bytes: UnsafeRawBufferPointer, spec: TableSpec) throws -> ReferenceTable {
        var parser = JSONParser(buffer: bytes.bindMemory(to: UInt8.self))
        parser.skipWhitespace()
        let table = try parser.readRows(spec)
        parser.skipWhitespace()
        if parser.position < parser.buffer.count { throw parser.error("unexpected data after the JSON value") }
        return table
    }
}

/// A bootstrap document's members other than its tables.
public struct BootstrapHeader: Sendable, Hashable {
    public let schemaVersion: Int?
    public let referenceVersion: String
    public let generatedAt: String?
}

/// A bootstrap document read one table at a time, in the document's order: only the table just read is held,
/// so a reader can compare it and let it go before the next (the parity run on hundreds of megabytes).
/// ``BootstrapReader`` is this, collecting every table.
public struct BootstrapTables {
    private enum Phase { case start, member, afterMember, table, end, done }

    private let data: Data
    private var position = 0
    private var phase = Phase.start
    private var memberNames = Set<String>()
    private var tableNames = Set<String>()
    private var version: JSONValue?
    private var schemaVersion: JSONValue?
    private var generatedAt: JSONValue?
    private var sawTables = false

    public init(_ data: Data) { self.data = data }

    /// The next table, or `nil` once the document has been read to its end (and found well formed).
    public mutating func next() throws -> ReferenceTable? {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(buffer: raw.bindMemory(to: UInt8.self))
            parser.position = position
            defer { position = parser.position }
            return try step(&parser)
        }
    }

    /// The document's other members, once ``next()`` has returned `nil`.
    public func header() throws -> BootstrapHeader {
        precondition(phase == .done, "the header is known once every table has been read")
        guard case .string(let reference)? = version else {
            throw BootstrapDecodingError("bootstrap: referenceVersion is missing or not a string")
        }
        guard sawTables else { throw BootstrapDecodingError("bootstrap: tables is missing or not an object") }
        return BootstrapHeader(
            schemaVersion: schemaVersion.flatMap { if case .number(let n) = $0 { Int(n.literal) } else { nil } },
            referenceVersion: reference, generatedAt: generatedAt?.stringValue)
    }

    /// Reads up to the end of the next table (or of the document). The top-level object and the `tables`
    /// object are walked member by member, keys checked for duplicates as `JSONParser.parse` does.
    private mutating func step(_ parser: inout JSONParser) throws -> ReferenceTable? {
        while true {
            switch phase {
            case .start:
                parser.skipWhitespace()
                guard parser.peek() == UInt8(ascii: "{") else {
                    if parser.peek() == nil { throw parser.error("unexpected end of input, expected a value") }
                    _ = try parser.parseValue(depth: 0)  // a syntax error if it is not JSON at all
                    throw BootstrapDecodingError("bootstrap: top level is not an object")
                }
                phase = try parser.openObject() ? .member : .end
            case .member:
                let key = try parser.memberKey(unique: &memberNames)
                if key == "tables", parser.peek() == UInt8(ascii: "{") {
                    sawTables = true
                    phase = try parser.openObject() ? .table : .afterMember
                    continue
                }
                let value = try parser.parseValue(depth: 1)
                switch key {
                case "referenceVersion": version = value
                case "schemaVersion": schemaVersion = value
                case "generatedAt": generatedAt = value
                default: break
                }
                phase = .afterMember
            case .afterMember:
                phase = try parser.closeMember() ? .member : .end
            case .table:
                let name = try parser.memberKey(unique: &tableNames)
                guard let spec = ReferenceCatalog.table(named: name) else {
                    _ = try parser.parseValue(depth: 2)
                    throw BootstrapDecodingError("bootstrap: table '\(name)' is not in the catalog")
                }
                let table = try parser.readRows(spec)
                phase = try parser.closeMember() ? .table : .afterMember
                return table
            case .end:
                parser.skipWhitespace()
                if parser.position < parser.buffer.count { throw parser.error("unexpected data after the JSON value") }
                phase = .done
                return nil
            case .done:
                return nil
            }
        }
    }
}

extension JSONParser {
    /// Past the `{` at the current position: whether a member follows (`false` for `{}`, consumed).
    fileprivate mutating func openObject() throws -> Bool {
        position += 1
        skipWhitespace()
        guard peek() == UInt8(ascii: "}") else { return true }
        position += 1
        return false
    }

    /// A member's key and its `:`, leaving the parser at the value. Duplicate keys are an error.
    fileprivate mutating func memberKey(unique seen: inout Set<String>) throws -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
        let keyStart = position
        let key = try parseString()
        if !seen.insert(key).inserted { throw error("duplicate key \"\(key)\" in object", at: keyStart) }
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after object key \"\(key)\"") }
        position += 1
        skipWhitespace()
        guard position < buffer.count else { throw error("unexpected end of input, expected a value") }
        return key
    }

    /// After a member's value: `true` past a `,` (another member follows), `false` past the closing `}`.
    fileprivate mutating func closeMember() throws -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: ","):
            position += 1
            return true
        case UInt8(ascii: "}"):
            position += 1
            return false
        default: throw error("expected ',' or '}' in object")
        }
    }

    mutating func readRows(_ spec: TableSpec) throws -> ReferenceTable {
        guard peek() == UInt8(ascii: "[") else {
            _ = try parseValue(depth: 2)
            throw BootstrapDecodingError("table \(spec.name): rows are not an array")
        }
        position += 1
        var rows: [ReferenceRow] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return ReferenceTable(spec: spec, rows: rows)
        }
        while true {
            skipWhitespace()
            let element = try parseValue(depth: 3)
            guard case .object(let object) = element else {
                throw BootstrapDecodingError("table \(spec.name), row \(rows.count): not an object")
            }
            rows.append(ReferenceRow(object: object, spec: spec))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return ReferenceTable(spec: spec, rows: rows)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }
}
