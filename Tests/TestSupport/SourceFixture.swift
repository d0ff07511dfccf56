import Foundation
import ReferenceCatalog

/// A reference source to write into a temporary directory: the committed ReferenceData, optionally trimmed
/// to a few exercises, with rows edited by tests.
public struct SourceFixture: Sendable, Hashable {
    /// Rows per table, as JSON objects in file order.
    public var tables: [String: [JSONObject]]

    /// The committed ReferenceData, whole.
    public static func referenceData() throws -> SourceFixture { try committed.get() }

    /// The committed files, parsed once per test process (the files do not change while the tests run).
    private static let committed = Result<SourceFixture, any Error> {
        var tables: [String: [JSONObject]] = [:]
        for spec in ReferenceCatalog.tables {
            let url = ReferenceDataLocation.projectDirectory.appendingPathComponent(spec.sourceFileName)
            let value = try JSONParser.parse(try Data(contentsOf: url))
            tables[spec.name] = (value.arrayValue ?? []).compactMap(\.objectValue)
        }
        return SourceFixture(tables: tables)
    }

    /// ReferenceData with only the first `exercises` exercises and their link rows: fast to seed.
    public static func small(exercises: Int = 12) throws -> SourceFixture {
        var fixture = try referenceData()
        let kept = Set(fixture.tables["exercises"]!.prefix(exercises).compactMap { $0["exercise_key"]?.stringValue })
        fixture.tables["exercises"] = Array(fixture.tables["exercises"]!.prefix(exercises))
        for link in ["exercise_muscles", "exercise_equipment", "exercise_aliases", "exercise_metrics"] {
            fixture.tables[link] = fixture.tables[link]!.filter { kept.contains($0["exercise_key"]?.stringValue ?? "") }
        }
        // Keep a few aliases even though the trimmed exercises have none upstream.
        if fixture.tables["exercise_aliases"]!.isEmpty, let first = kept.sorted().first {
            fixture.tables["exercise_aliases"] = [
                JSONObject(["exercise_key": .string(first), "alias": "Alias one"]),
                JSONObject(["exercise_key": .string(first), "alias": "Alias two", "language": "de"]),
            ]
        }
        return fixture
    }

    /// Writes `<table>.json` files into a new temporary directory (or `directory`) and returns it.
    @discardableResult
    public func write(to directory: URL? = nil) throws -> URL {
        let target =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("source-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for (table, rows) in tables {
            let text = "[\n" + rows.map { "  " + JSONWriter().string(.object($0)) }.joined(separator: ",\n") + "\n]\n"
            try Data(text.utf8).write(to: target.appendingPathComponent("\(table).json"))
        }
        return target
    }

    /// Edits the rows of `table` for which `match` holds.
    public mutating func update(
        _ table: String, where match: (JSONObject) -> Bool = { _ in true }, _ edit: (inout JSONObject) -> Void
    ) {
        tables[table] = tables[table]!.map { row in
            guard match(row) else { return row }
            var copy = row
            edit(&copy)
            return copy
        }
    }

    /// Removes the rows of `table` for which `match` holds.
    public mutating func remove(_ table: String, where match: (JSONObject) -> Bool) {
        tables[table]!.removeAll(where: match)
    }

    /// The number of rows of `table`.
    public func count(_ table: String) -> Int { tables[table]?.count ?? 0 }
}
