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
            appendEscaped(text, to: &buffer)
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

    private static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { appendEscaped($0, to: &buffer) }
    }

    private static func appendEscaped(_ bytes: [UInt8], to buffer: inout ByteBuffer) {
        bytes.withUnsafeBufferPointer { appendEscaped($0, to: &buffer) }
    }

    /// Writes `bytes`, backslash-escaping `\`, tab, newline and carriage return: the runs between them in one
    /// write each (a write per byte cost more than the rest of the seed in a debug build).
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let escape: StaticString
            switch bytes[index] {
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x09: escape = "\\t"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            default:
                index += 1
                continue
            }
            if index > runStart {
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index])))
            }
            buffer.writeStaticString(escape)
            index += 1
            runStart = index
        }
        if count > runStart {
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<count])))
        }
    }
}
