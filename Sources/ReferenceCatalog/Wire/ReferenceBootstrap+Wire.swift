// Decoding of the API's wire format (`/bootstrap`, `/{table}`) into the typed model.

/// The API's wire document could not be read: names what and where.
public struct BootstrapDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ReferenceBootstrap {
    /// Decodes the API's bootstrap wrapper `{schemaVersion, referenceVersion, generatedAt, tables}`. Tables
    /// outside the catalog are an error; catalog tables missing from the document are left out (the differ
    /// reports them).
    public init(json: JSONValue) throws(BootstrapDecodingError) {
        guard case .object(let root) = json else {
            throw BootstrapDecodingError("bootstrap: top level is not an object")
        }
        guard case .string(let version) = root["referenceVersion"] else {
            throw BootstrapDecodingError("bootstrap: referenceVersion is missing or not a string")
        }
        guard case .object(let tables) = root["tables"] else {
            throw BootstrapDecodingError("bootstrap: tables is missing or not an object")
        }
        var decoded: [String: ReferenceTable] = [:]
        for member in tables {
            guard let spec = ReferenceCatalog.table(named: member.key) else {
                throw BootstrapDecodingError("bootstrap: table '\(member.key)' is not in the catalog")
            }
            decoded[spec.name] = try ReferenceTable(rowsJSON: member.value, spec: spec)
        }
        self.init(
            schemaVersion: root["schemaVersion"].flatMap {
                if case .number(let n) = $0 { Int(n.literal) } else { nil }
            },
            referenceVersion: version, generatedAt: root["generatedAt"]?.stringValue, tables: decoded)
    }
}

extension ReferenceTable {
    /// Decodes a JSON array of row objects.
    public init(rowsJSON: JSONValue, spec: TableSpec) throws(BootstrapDecodingError) {
        guard case .array(let elements) = rowsJSON else {
            throw BootstrapDecodingError("table \(spec.name): rows are not an array")
        }
        var rows: [ReferenceRow] = []
        rows.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                throw BootstrapDecodingError("table \(spec.name), row \(index): not an object")
            }
            rows.append(ReferenceRow(object: object, spec: spec))
        }
        self.init(spec: spec, rows: rows)
    }
}
