import Foundation
import PostgresSupport
import ReferenceCatalog
import ReferenceProviders
import TestSupport
import Testing

/// The app trusts nothing on the wire: every answer a broken or hostile backend can give is a typed error,
/// never reaches the cache, leaves the last good cached copy byte for byte, and with `allowStaleCache` the app
/// keeps working on that copy.
@Suite("Hostile backend", .integration)
struct HostileBackendTests {
    let logger = TestDatabases.logger

    /// A valid bootstrap document of the small fixture, as the real backend serves it, and a warm cache of it.
    func withWarmCache(
        _ body: (_ document: JSONObject, _ cacheDirectory: URL, _ good: ReferenceBootstrap) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hostile-cache-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withLiveBackend { backend in
            let text = try await HTTP.request(backend.url("/api/v1/reference/bootstrap")).body
            let document = try #require(try JSONParser.parse(text).objectValue)
            let good = try await RemotePostgresProvider(
                baseURL: backend.baseURL, cache: FileReferenceCacheStore(directory: directory), logger: logger
            ).getBootstrap()
            try await body(document, directory, good)
        }
    }

    /// The document with `table`'s row `index` edited.
    func editing(
        _ document: JSONObject, _ table: String, row index: Int = 0, _ edit: (inout JSONObject) -> Void
    ) -> Data {
        var document = document
        var tables = document["tables"]!.objectValue!
        var rows = tables[table]!.arrayValue!
        var row = rows[index].objectValue!
        edit(&row)
        rows[index] = .object(row)
        tables[table] = .array(rows)
        document["tables"] = .object(tables)
        return Data(JSONWriter().string(.object(document)).utf8)
    }

    /// Points a provider with the warm cache at a server answering `raw`, and checks the outcome.
    func expectRejected(
        _ server: CannedHTTPServer, cacheDirectory: URL, good: ReferenceBootstrap,
        _ check: (ReferenceProviderError) -> Void = { _ in }
    ) async throws {
        let cacheFile = try #require(
            try FileManager.default.contentsOfDirectory(at: cacheDirectory, includingPropertiesForKeys: nil).first)
        let before = try Data(contentsOf: cacheFile)
        let provider = RemotePostgresProvider(
            baseURL: server.url, cache: FileReferenceCacheStore(directory: cacheDirectory), timeout: 30, logger: logger)
        let error = await #expect(throws: ReferenceProviderError.self) {
            try await provider.getBootstrap(options: BootstrapOptions(allowStaleCache: false))
        }
        if let error { check(error) }
        #expect(try Data(contentsOf: cacheFile) == before, "the cached copy changed")
        let stale = try await provider.getBootstrap(options: BootstrapOptions(allowStaleCache: true))
        #expect(stale == good)
        #expect(try Data(contentsOf: cacheFile) == before)
        // The facade keeps working on the last good copy.
        let service = ExerciseConfigService(provider: provider, options: BootstrapOptions(allowStaleCache: true))
        #expect(try await !service.exercises().isEmpty)
    }

    @Test(
        "a 200 whose body is HTML, empty, truncated, or shorter than its Content-Length is a typed error",
        arguments: ["html", "empty", "truncated", "short"])
    func brokenBodies(kind: String) async throws {
        try await withWarmCache { document, cacheDirectory, good in
            let json = Data(JSONWriter().string(.object(document)).utf8)
            let server: CannedHTTPServer =
                switch kind {
                case "html":
                    try await CannedHTTPServer.start(
                        headers: [("Content-Type", "text/html")], body: Data("<html><body>Welcome</body></html>".utf8))
                case "empty": try await CannedHTTPServer.start(body: Data())
                case "truncated": try await CannedHTTPServer.start(body: json.prefix(json.count / 2))
                default:
                    try await CannedHTTPServer.start(
                        headers: [("Content-Type", "application/json"), ("Content-Length", "\(json.count)")],
                        body: json.prefix(json.count / 3))
                }
            try await expectRejected(server, cacheDirectory: cacheDirectory, good: good)
            await server.stop()
        }
    }

    @Test(
        "a document that breaks the catalog is rejected naming table, row, key and field, and never cached",
        arguments: [
            "missing exercise_key", "exercise_key as a number", "unknown key", "dangling reference",
            "duplicate key", "1e400 in an integer", "1e400 in a decimal", "1e-400 in a decimal", "a 1 MB key",
            "a NUL byte", "a missing table",
            "referenceVersion missing",
        ])
    func invalidDocuments(mutation: String) async throws {
        try await withWarmCache { document, cacheDirectory, good in
            var expectedTable = "exercises"
            var expectedField: String? = "exercise_key"
            let body: Data
            switch mutation {
            case "missing exercise_key": body = editing(document, "exercises") { $0["exercise_key"] = nil }
            case "exercise_key as a number": body = editing(document, "exercises") { $0["exercise_key"] = 7 }
            case "unknown key":
                expectedField = "colour"
                body = editing(document, "exercises") { $0["colour"] = "red" }
            case "dangling reference":
                expectedField = "category_key"
                body = editing(document, "exercises") { $0["category_key"] = "no-such-category" }
            case "duplicate key":
                var tables = document["tables"]!.objectValue!
                let rows = tables["units"]!.arrayValue!
                tables["units"] = .array(rows + [rows[0]])
                var copy = document
                copy["tables"] = .object(tables)
                body = Data(JSONWriter().string(.object(copy)).utf8)
                (expectedTable, expectedField) = ("units", "unit_key")
            case "1e400 in an integer":
                (expectedTable, expectedField) = ("units", nil)
                body = editing(document, "set_types") { $0["sort_order"] = .number(JSONNumber(literal: "1e400")) }
                expectedTable = "set_types"
                expectedField = "sort_order"
            case "1e400 in a decimal":
                (expectedTable, expectedField) = ("units", "si_factor")
                body = editing(document, "units") { $0["si_factor"] = .number(JSONNumber(literal: "1e400")) }
            case "1e-400 in a decimal":
                (expectedTable, expectedField) = ("scoring_coefficients", "value")
                body = editing(document, "scoring_coefficients") {
                    $0["value"] = .number(JSONNumber(literal: "1e-400"))
                }
            case "a 1 MB key":
                expectedField = "exercise_key"
                body = editing(document, "exercises") {
                    $0["exercise_key"] = .string(String(repeating: "a", count: 1 << 20))
                }
            case "a NUL byte":
                expectedField = "name"
                body = editing(document, "exercises") { $0["name"] = "Squat\u{0}" }
            case "a missing table":
                var tables = document["tables"]!.objectValue!
                tables["muscles"] = nil
                var copy = document
                copy["tables"] = .object(tables)
                body = Data(JSONWriter().string(.object(copy)).utf8)
                (expectedTable, expectedField) = ("muscles", nil)
            default:
                var copy = document
                copy["referenceVersion"] = nil
                body = Data(JSONWriter().string(.object(copy)).utf8)
                (expectedTable, expectedField) = ("", "referenceVersion")
            }
            let server = try await CannedHTTPServer.start(body: body)
            try await expectRejected(server, cacheDirectory: cacheDirectory, good: good) { error in
                guard case .invalidDocument(_, let problems) = error else {
                    Issue.record("expected invalidDocument, got \(error)")
                    return
                }
                let named = problems.contains {
                    ($0.table ?? "") == expectedTable && (expectedField == nil || $0.field == expectedField)
                        && (expectedField == nil || expectedTable.isEmpty || $0.row != nil)
                }
                #expect(named, "\(problems.map(\.description))")
            }
            await server.stop()
        }
    }

    @Test("a real backend whose active rows reference a deactivated row: the app refuses the document, naming it")
    func deactivatedReference() async throws {
        try await withWarmCache { _, cacheDirectory, good in
            try await withLiveBackend { backend in
                let category = try #require(
                    good.tables["exercises"]?.rows.first?[
                        "category_key", in: ReferenceCatalog.table(named: "exercises")!]?.stringValue)
                try await backend.databaseURL.withConnection(logger: logger) { connection in
                    try await connection.execute(
                        "UPDATE exercise_categories SET is_active = false WHERE category_key = '\(category)'",
                        logger: logger)
                }
                let provider = RemotePostgresProvider(
                    baseURL: backend.baseURL, cache: FileReferenceCacheStore(directory: cacheDirectory), timeout: 60,
                    logger: logger)
                let error = await #expect(throws: ReferenceProviderError.self) {
                    try await provider.getBootstrap(options: BootstrapOptions(allowStaleCache: false))
                }
                guard case .invalidDocument(_, let problems)? = error else {
                    Issue.record("expected invalidDocument, got \(String(describing: error))")
                    return
                }
                #expect(problems.contains { $0.table == "exercises" && $0.field == "category_key" && $0.row != nil })
                #expect(try await provider.getBootstrap(options: BootstrapOptions(allowStaleCache: true)) == good)
            }
        }
    }
}
