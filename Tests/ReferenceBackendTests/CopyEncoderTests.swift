import NIOCore
import ReferenceBackend
import ReferenceCatalog
import Testing

@Suite("COPY text encoding")
struct CopyEncoderTests {
    func encode(_ row: [JSONValue], _ types: [ColumnType]) -> String {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        let columns = types.enumerated().map { ColumnSpec("c\($0.offset)", $0.element, nullable: true) }
        CopyEncoder.appendRow(row, columns: columns, to: &buffer)
        return String(buffer: buffer)
    }

    @Test("text is escaped byte for byte wherever the special bytes fall; the rest is written as it is")
    func escaping() {
        #expect(encode(["plain"], [.text]) == "plain\n")
        #expect(encode(["\\start"], [.text]) == "\\\\start\n")
        #expect(encode(["end\n"], [.text]) == "end\\n\n")
        #expect(encode(["a\tb\\c\nd\re\u{200B}é"], [.text]) == "a\\tb\\\\c\\nd\\re\u{200B}é\n")
        #expect(encode(["\t\t"], [.text]) == "\\t\\t\n")
        #expect(encode([""], [.text]) == "\n")
    }

    @Test("null, booleans, numbers, arrays and objects in one row, tab-separated")
    func row() {
        let row: [JSONValue] = [
            .null, true, .number(JSONNumber(literal: "1.10")), ["a\"b", "c\\d", "e\tf"],
            .object(JSONObject(["k": "v\n"])),
        ]
        #expect(
            encode(row, [.text, .boolean, .numeric, .textArray(.ordered), .jsonObject])
                == "\\N\tt\t1.10\t{\"a\\\\\"b\",\"c\\\\\\\\d\",\"e\\tf\"}\t{\"k\":\"v\\\\n\"}\n")
    }
}
