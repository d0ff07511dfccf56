import Foundation
import ReferenceCatalog
import Testing

/// `BootstrapReader` reads rows as it goes; it must give what the whole-tree decoding gives.
@Suite("Bootstrap reader")
struct BootstrapReaderTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GoldenFiles/Snapshots/bootstrap.json")

    @Test("the recorded bootstrap of ReferenceData reads the same as through the whole tree")
    func sameAsTree() throws {
        let data = try Data(contentsOf: Self.golden)
        let streamed = try BootstrapReader.read(data)
        let tree = try ReferenceBootstrap(json: JSONParser.parse(data))
        #expect(streamed == tree)
        #expect(streamed.tables.count == 20)
        #expect(streamed.tables.values.reduce(0) { $0 + $1.rows.count } > 5_000)
    }

    @Test(
        "documents of the wrong shape give the tree's errors",
        arguments: [
            #"[1]"#, #"{"tables": {}}"#, #"{"referenceVersion": 1, "tables": {}}"#,
            #"{"referenceVersion": "v", "tables": []}"#, #"{"referenceVersion": "v"}"#,
            #"{"referenceVersion": "v", "tables": {"nope": []}}"#,
            #"{"referenceVersion": "v", "tables": {"units": {}}}"#,
            #"{"referenceVersion": "v", "tables": {"units": [1]}}"#,
        ])
    func shapes(_ text: String) throws {
        let data = Data(text.utf8)
        let treeError = #expect(throws: BootstrapDecodingError.self) {
            try ReferenceBootstrap(json: JSONParser.parse(data))
        }
        let streamError = #expect(throws: BootstrapDecodingError.self) { try BootstrapReader.read(data) }
        #expect(streamError == treeError, "\(text)")
    }

    @Test(
        "syntax errors are JSON syntax errors with a position",
        arguments: [
            #"{"referenceVersion": "v", "tables": {"units": [{"unit_key": "kg"}"#,
            #"{"referenceVersion": "v", "referenceVersion": "w", "tables": {}}"#,
            #"{"referenceVersion": "v", "tables": {}} x"#, "",
        ])
    func syntax(_ text: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try BootstrapReader.read(Data(text.utf8)) }
        #expect(error?.line == 1, "\(text)")
    }

    @Test("a valid document with unknown members and empty tables reads like the tree")
    func unknownMembers() throws {
        let text =
            #"{"schemaVersion": 5, "extra": {"a": [1, 2]}, "referenceVersion": "1.ab", "generatedAt": "t", "#
            + #""tables": {"units": [], "force_types": [{"force_key": "push", "name": "Push", "source_type": "seed"}]}}"#
        let data = Data(text.utf8)
        #expect(try BootstrapReader.read(data) == ReferenceBootstrap(json: JSONParser.parse(data)))
    }
}
