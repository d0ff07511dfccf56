import ReferenceCatalog
import Testing

@Suite("JSON parser and writer")
struct JSONParserTests {
    @Test("numbers keep their literal text")
    func numberLiterals() throws {
        let value = try JSONParser.parse(#"[1.10, 7.01863e-06, -0, 12]"#)
        #expect(
            value
                == .array([
                    .number(JSONNumber(literal: "1.10")), .number(JSONNumber(literal: "7.01863e-06")),
                    .number(JSONNumber(literal: "-0")), .number(JSONNumber(literal: "12")),
                ]))
    }

    @Test("objects keep key order; duplicate keys are an error with a position")
    func objects() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": true}"#)
        #expect(value.objectValue?.keys == ["b", "a"])
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\": 1,\n \"a\": 2}") }
        #expect(error?.line == 2)
        #expect(error?.column == 2)
        #expect(error?.message.contains("duplicate key \"a\"") == true)
        // Past 16 keys the check changes method; a duplicate is still found, early or late, and none is invented.
        let keys = (0..<40).map { "\"k\($0)\": \($0)" }
        #expect(try JSONParser.parse("{" + keys.joined(separator: ", ") + "}").objectValue?.count == 40)
        for duplicate in ["k3", "k20", "k39"] {
            let late = #expect(throws: JSONSyntaxError.self) {
                try JSONParser.parse("{" + keys.joined(separator: ", ") + ", \"\(duplicate)\": 0}")
            }
            #expect(late?.message.contains("duplicate key \"\(duplicate)\"") == true)
        }
    }

    @Test(
        "syntax errors name line and column",
        arguments: [
            ("[1, 2", 1, 6), ("{\"a\" 1}", 1, 6), ("[01]", 1, 2), ("\"abc", 1, 1), ("[1,]\n", 1, 4),
            ("\n\n  tru", 3, 3), ("[\"a\tb\"]", 1, 4), ("[1] x", 1, 5),
        ])
    func syntaxErrors(text: String, line: Int, column: Int) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        #expect(error?.line == line, "\(text): \(String(describing: error))")
        #expect(error?.column == column, "\(text): \(String(describing: error))")
    }

    @Test("escapes, surrogate pairs and non-ASCII text round-trip")
    func strings() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\n", "\u00be \ud83d\ude00", "°—¾"]"#)
        #expect(value == .array(["a\"b\\c\n", "¾ 😀", "°—¾"]))
        let written = JSONWriter().string(value)
        #expect(try JSONParser.parse(written) == value)
        #expect(written == #"["a\"b\\c\n","¾ 😀","°—¾"]"#)
    }

    @Test("an unpaired surrogate and invalid UTF-8 are rejected")
    func invalidText() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"["\ud83d"]"#) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x5B, 0x22, 0xFF, 0x22, 0x5D]) }
    }

    @Test("the writer sorts keys by UTF-8 bytes when asked and pretty-prints deterministically")
    func writer() throws {
        let value = try JSONParser.parse(#"{"b": [1, {"z": null, "Z": false}], "a": {}}"#)
        #expect(JSONWriter(sortedKeys: true).string(value) == #"{"a":{},"b":[1,{"Z":false,"z":null}]}"#)
        #expect(
            JSONWriter(prettyPrinted: true, sortedKeys: true).string(value) == """
                {
                  "a" : {},
                  "b" : [
                    1,
                    {
                      "Z" : false,
                      "z" : null
                    }
                  ]
                }
                """)
    }
}

@Suite("Exact decimals")
struct ExactDecimalTests {
    @Test(
        "equal values have equal canonical forms",
        arguments: [
            ("1.10", "1.1"), ("11e-1", "1.1"), ("0.45359237", "0.45359237"), ("7.01863e-06", "0.00000701863"),
            ("-0", "0"), ("0.000", "0"), ("1200", "1200"), ("12E2", "1200"), ("-1.0e+3", "-1000"), ("+5", "5"),
        ])
    func canonical(literal: String, expected: String) throws {
        let decimal = try #require(ExactDecimal(literal))
        #expect(decimal.description == expected)
    }

    @Test("near misses stay different", arguments: [("7.5", "7.7"), ("1.1", "1.1000001"), ("1", "-1"), ("10", "1")])
    func different(left: String, right: String) throws {
        #expect(try #require(ExactDecimal(left)) != (try #require(ExactDecimal(right))))
    }

    @Test("non-numbers are rejected", arguments: ["", "abc", "NaN", "1.2.3", "1e", "--1", "Infinity", "1e999999"])
    func rejected(literal: String) {
        #expect(ExactDecimal(literal) == nil)
    }
}
