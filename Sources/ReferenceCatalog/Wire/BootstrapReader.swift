import Foundation

/// Reads a bootstrap document into typed tables without building it as one `JSONValue` tree: each row object
/// is parsed and turned into a `ReferenceRow` at once, so a document of hundreds of megabytes costs its rows,
/// not its rows twice. The same document gives the same `ReferenceBootstrap` as
/// `ReferenceBootstrap(json: JSONParser.parse(data))`, and the same errors for a document of the wrong shape
/// (syntax errors are `JSONSyntaxError`s with their position); the one difference: reading as it goes, it
/// reports whichever problem comes first in the document, where the tree reports a syntax error first.
public enum BootstrapReader {
    public static func read(_ data: Data) throws -> ReferenceBootstrap {
        try data.withUnsafeBytes { raw in
            try read(raw.bindMemory(to: UInt8.self))
        }
    }

    static func read(_ buffer: UnsafeBufferPointer<UInt8>) throws -> ReferenceBootstrap {
        var parser = JSONParser(buffer: buffer)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else {
            if parser.peek() == nil { throw parser.error("unexpected end of input, expected a value") }
            _ = try parser.parseValue(depth: 0)  // a syntax error if it is not JSON at all
            throw BootstrapDecodingError("bootstrap: top level is not an object")
        }
        var version: JSONValue?
        var schemaVersion: JSONValue?
        var generatedAt: JSONValue?
        var tables: [String: ReferenceTable]?
        try parser.members(depth: 0) { parser, key in
            switch key {
            case "tables" where parser.peek() == UInt8(ascii: "{"): tables = try parser.readTables()
            case "referenceVersion": version = try parser.parseValue(depth: 1)
            case "schemaVersion": schemaVersion = try parser.parseValue(depth: 1)
            case "generatedAt": generatedAt = try parser.parseValue(depth: 1)
            default: _ = try parser.parseValue(depth: 1)
            }
        }
        parser.skipWhitespace()
        if parser.position < buffer.count { throw parser.error("unexpected data after the JSON value") }
        guard case .string(let reference)? = version else {
            throw BootstrapDecodingError("bootstrap: referenceVersion is missing or not a string")
        }
        guard let tables else { throw BootstrapDecodingError("bootstrap: tables is missing or not an object") }
        return ReferenceBootstrap(
            schemaVersion: schemaVersion.flatMap { if case .number(let n) = $0 { Int(n.literal) } else { nil } },
            referenceVersion: reference, generatedAt: generatedAt?.stringValue, tables: tables)
    }
}

extension JSONParser {
    /// Walks the members of the object at the current position, calling `value` with the parser placed at
    /// each member's value (which it must consume). Duplicate keys are an error, as in `parse`.
    fileprivate mutating func members(
        depth: Int, _ value: (inout JSONParser, String) throws -> Void
    ) throws {
        position += 1
        var seen = Set<String>()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
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
            try value(&self, key)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    /// `"tables": {"name": [row, ...], ...}`, each row decoded as it is read.
    fileprivate mutating func readTables() throws -> [String: ReferenceTable] {
        var tables: [String: ReferenceTable] = [:]
        try members(depth: 1) { parser, name in
            guard let spec = ReferenceCatalog.table(named: name) else {
                _ = try parser.parseValue(depth: 2)
                throw BootstrapDecodingError("bootstrap: table '\(name)' is not in the catalog")
            }
            tables[spec.name] = try parser.readRows(spec)
        }
        return tables
    }

    fileprivate mutating func readRows(_ spec: TableSpec) throws -> ReferenceTable {
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
