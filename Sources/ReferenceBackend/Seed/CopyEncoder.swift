import NIOCore
import ReferenceCatalog

/// Encodes source values in PostgreSQL's COPY text format: tab-separated, `\N` for null, backslash escapes;
/// arrays as array literals, JSON objects as JSON text, numbers as their exact literal.
public enum CopyEncoder {
    public static func appendRow(_ row: [JSONValue], columns: [ColumnSpec], to buffer: inout ByteBuffer) {
        for (position, column) in columns.enumerated() {
            if position > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            appendValue(row[position], type: column.type, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func appendValue(_ value: JSONValue, type: ColumnType, to buffer: inout ByteBuffer) {
        switch value {
        case .null:
            buffer.writeStaticString("\\N")
        case .bool(let flag):
            buffer.writeInteger(flag ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .number(let number):
            buffer.writeString(number.literal)
        case .string(let text):
            appendEscaped(text.utf8, to: &buffer)
        case .array(let elements):
            appendEscaped(arrayLiteral(elements), to: &buffer)
        case .object:
            var text: [UInt8] = []
            JSONWriter().write(value, into: &text)
            appendEscaped(text, to: &buffer)
        }
    }

    /// A `text[]` literal: `{"a","b"}`, each element quoted, `"` and `\` escaped with a backslash.
    static func arrayLiteral(_ elements: [JSONValue]) -> [UInt8] {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            literal.append(UInt8(ascii: "\""))
            for byte in (element.stringValue ?? element.description).utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return literal
    }

    private static func appendEscaped(_ bytes: some Sequence<UInt8>, to buffer: inout ByteBuffer) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
