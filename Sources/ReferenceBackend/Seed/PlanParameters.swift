import NIOCore
import PostgresNIO
import ReferenceCatalog

/// A table's source rows as the dry run sends them: one `text[]` per column, in PostgreSQL's binary array
/// format (a length before each element, so nothing is quoted or escaped, and the server does not parse a
/// literal).
///
/// Each element is the text the seed's comparison sees (`column::text`) wherever that text is known without
/// the server: a `text` value itself, and a `text[]` value in `array_out`'s canonical form. The other types
/// (numbers, booleans, JSON objects) go as their literal and the query casts them through the column's type
/// (`u.c3::numeric::text`), so `1.10`, `1e1` and key order in JSON read exactly as the database writes them.
struct PlanParameters: Sendable {
    let columns: [BinaryTextArray]

    init(_ table: SourceTable) {
        columns = table.spec.columns.indices.map { position in
            var array = BinaryTextArray(capacity: table.rows.count)
            for row in table.rows { array.append(row[position], type: table.spec.columns[position].type) }
            return array
        }
    }

    /// The SQL for one column of the unnested arrays: a key keeps its type (for the join); a value column
    /// becomes the text the comparison uses.
    static func expression(_ element: String, _ column: ColumnSpec, isKey: Bool) -> String {
        switch (column.type, isKey) {
        case (.text, _): element
        case (.textArray, false): element
        case (_, true): "\(element)::\(column.type.postgresType)"
        case (_, false): "\(element)::\(column.type.postgresType)::text"
        }
    }

    /// `array_out`'s form of a `text[]`: `{a,"b c",""}`. An element is quoted when it is empty, reads `NULL`
    /// in any case, or holds `"`, `\`, `{`, `}`, `,` or white space; inside quotes `"` and `\` are escaped.
    static func canonicalArrayText(_ elements: [JSONValue], into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            let text = Array((element.stringValue ?? element.description).utf8)
            var quote = text.isEmpty || text.count == 4 && String(decoding: text, as: UTF8.self).uppercased() == "NULL"
            if !quote { quote = text.contains(where: needsQuotes) }
            if quote { bytes.append(UInt8(ascii: "\"")) }
            for byte in text {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            if quote { bytes.append(UInt8(ascii: "\"")) }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private static func needsQuotes(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","),
            UInt8(ascii: " "), 0x09, 0x0A, 0x0B, 0x0C, 0x0D:
            true
        default: false
        }
    }
}

/// A one-dimensional `text[]` in PostgreSQL's binary format (`array_recv`): dimensions, flags, element type,
/// then each element as its length and bytes (length -1 for NULL).
struct BinaryTextArray: PostgresNonThrowingEncodable, Sendable {
    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    private var elements: ByteBuffer
    private var count: Int32 = 0
    private var hasNull = false

    init(capacity: Int) {
        elements = ByteBufferAllocator().buffer(capacity: capacity * 24)
    }

    mutating func append(_ value: JSONValue, type: ColumnType) {
        count += 1
        switch value {
        case .null:
            hasNull = true
            elements.writeInteger(Int32(-1))
        case .string(let text):
            writeElement(Array(text.utf8))
        case .array(let items):
            var text: [UInt8] = []
            PlanParameters.canonicalArrayText(items, into: &text)
            writeElement(text)
        case .number(let number):
            writeElement(Array(number.literal.utf8))
        case .bool(let flag):
            writeElement([flag ? UInt8(ascii: "t") : UInt8(ascii: "f")])
        case .object:
            var text: [UInt8] = []
            JSONWriter().write(value, into: &text)
            writeElement(text)
        }
    }

    private mutating func writeElement(_ bytes: [UInt8]) {
        elements.writeInteger(Int32(bytes.count))
        elements.writeBytes(bytes)
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        let textOID: Int32 = 25
        if count == 0 {
            buffer.writeMultipleIntegers(Int32(0), Int32(0), textOID)
            return
        }
        buffer.writeMultipleIntegers(Int32(1), Int32(hasNull ? 1 : 0), textOID, count, Int32(1))
        buffer.writeImmutableBuffer(elements)
    }
}
