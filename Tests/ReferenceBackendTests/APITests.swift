import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// The API over real HTTP against a real PostgreSQL.
@Suite("Reference API", .integration)
struct APITests {
    let logger = TestDatabases.logger

    func json(_ result: HTTP.Result) throws -> JSONValue { try JSONParser.parse(result.body) }

    @Test(
        "bootstrap: the wrapper, all 20 tables in catalog order, rows in key byte order with catalog columns then source_type"
    )
    func bootstrapShape() async throws {
        try await withLiveBackend { backend in
            let result = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            #expect(result.status == 200)
            #expect(result.header("Content-Type") == "application/json; charset=utf-8")
            let document = try json(result)
            #expect(document.objectValue?.keys == ["schemaVersion", "referenceVersion", "generatedAt", "tables"])
            #expect(document["schemaVersion"] == .number(JSONNumber(Migration.latestVersion)))
            #expect(document["referenceVersion"]?.stringValue == backend.seed.referenceVersion)
            let generatedAt = try #require(document["generatedAt"]?.stringValue)
            #expect(generatedAt.hasSuffix("Z") && generatedAt.contains("T"))
            let tables = try #require(document["tables"]?.objectValue)
            #expect(tables.keys == ReferenceCatalog.tableNames)
            for spec in ReferenceCatalog.tables {
                let rows = try #require(tables[spec.name]?.arrayValue)
                #expect(rows.count == backend.seed.tables.first { $0.table == spec.name }?.sourceRows, "\(spec.name)")
                let keys = rows.map { row in spec.primaryKey.map { row[$0]?.stringValue ?? "" } }
                #expect(
                    keys
                        == keys.sorted {
                            $0.lexicographicallyPrecedes($1) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                        })
                for row in rows {
                    #expect(row.objectValue?.keys == spec.columnNames + ["source_type"], "\(spec.name)")
                }
            }
        }
    }

    @Test("repeated calls return identical bytes; the version endpoint agrees and keeps the two versions apart")
    func identicalBytes() async throws {
        try await withLiveBackend { backend in
            let first = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            let second = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            #expect(first.body == second.body)
            let version = try json(try await HTTP.request(backend.url("/api/v1/reference/version")))
            #expect(version.objectValue?.keys == ["schemaVersion", "referenceVersion", "lastUpdated"])
            #expect(version["referenceVersion"] == (try json(first))["referenceVersion"])
            #expect(version["schemaVersion"] == .number(JSONNumber(Migration.latestVersion)))
            #expect(version["schemaVersion"]?.description != version["referenceVersion"]?.stringValue)
        }
    }

    @Test(
        "first requests at once, plain and gzip, all get the one document of the version (one build, one generatedAt)")
    func oneDocumentPerVersion() async throws {
        try await withLiveBackend { backend in
            let url = backend.url("/api/v1/reference/bootstrap")
            let bodies = try await withThrowingTaskGroup(of: Data.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await HTTP.request(url, headers: ["Accept-Encoding": index % 2 == 0 ? "identity" : "gzip"])
                            .body
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1, "\(Set(bodies.map { try? JSONParser.parse($0)["generatedAt"] }))")
        }
    }

    @Test("/version has an ETag from the version: If-None-Match with it is a 304, with an older one a 200")
    func versionRevalidation() async throws {
        try await withLiveBackend { backend in
            let url = backend.url("/api/v1/reference/version")
            let first = try await HTTP.request(url)
            let token = try #require(try json(first)["referenceVersion"]?.stringValue)
            #expect(first.header("ETag") == "\"\(token)\"")
            let same = try await HTTP.request(url, headers: ["If-None-Match": "\"\(token)\""])
            #expect(same.status == 304)
            #expect(same.header("ETag") == "\"\(token)\"")
            #expect(same.body.isEmpty)
            let other = try await HTTP.request(url, headers: ["If-None-Match": "\"1.0000000000000000\""])
            #expect(other.status == 200)
        }
    }

    @Test("a pool of one connection reads the same document as the two-connection snapshot read")
    func oneConnectionSameDocument() async throws {
        try await withLiveBackend { backend in
            let path = "/api/v1/reference/bootstrap"
            let two = try json(try await HTTP.request(backend.url(path)))
            let one = try await RunningAPI.start(
                databaseURL: backend.databaseURL, logger: logger, maximumConnections: 1
            ).withStop { single in
                try json(try await HTTP.request(URL(string: single.baseURL.absoluteString + path)!))
            }
            #expect(one["referenceVersion"] == two["referenceVersion"])
            #expect(one["tables"]?.objectValue?.keys == ReferenceCatalog.tableNames)
            #expect(one["tables"] == two["tables"])
        }
    }

    @Test("only active rows are served; includeInactive=true adds them with is_active")
    func activeOnly() async throws {
        try await withLiveBackend { backend in
            try await backend.databaseURL.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE set_types SET is_active = false WHERE set_type_key = 'amrap'", logger: logger)
            }
            let bootstrap = try json(try await HTTP.request(backend.url("/api/v1/reference/bootstrap")))
            let keys =
                bootstrap["tables"]?["set_types"]?.arrayValue?.compactMap { $0["set_type_key"]?.stringValue } ?? []
            #expect(!keys.isEmpty && !keys.contains("amrap"))
            let table = try json(try await HTTP.request(backend.url("/api/v1/reference/set_types")))
            #expect(table.objectValue?.keys == ["schemaVersion", "referenceVersion", "generatedAt", "table", "rows"])
            #expect(table["rows"]?.arrayValue?.count == keys.count)
            let all = try json(try await HTTP.request(backend.url("/api/v1/reference/set_types?includeInactive=true")))
            let amrap = all["rows"]?.arrayValue?.first { $0["set_type_key"] == "amrap" }
            #expect(amrap?["is_active"] == .bool(false))
            #expect(all["rows"]?.arrayValue?.count == keys.count + 1)
        }
    }

    @Test(
        "ETag and If-None-Match: 304 while unchanged; a committed change shows on the next request with a higher version"
    )
    func conditionalRequests() async throws {
        try await withLiveBackend { backend in
            let first = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            let etag = try #require(first.header("ETag"))
            #expect(first.header("Cache-Control") == "public, no-cache")
            let notModified = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["If-None-Match": etag])
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            #expect(notModified.header("ETag") == etag)

            try await backend.databaseURL.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE muscles SET name = name || '!' WHERE muscle_key = 'biceps'", logger: logger)
            }
            let changed = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["If-None-Match": etag])
            #expect(changed.status == 200)
            #expect(changed.header("ETag") != etag)
            let before = try #require((try json(first))["referenceVersion"]?.stringValue)
            let after = try #require((try json(changed))["referenceVersion"]?.stringValue)
            #expect(Int(after.split(separator: ".")[0])! > Int(before.split(separator: ".")[0])!)
            let biceps = (try json(changed))["tables"]?["muscles"]?.arrayValue?.first { $0["muscle_key"] == "biceps" }
            #expect(biceps?["name"]?.stringValue?.hasSuffix("!") == true)
        }
    }

    @Test("gzip when accepted: the same document, pre-compressed, with its own ETag")
    func gzip() async throws {
        try await withLiveBackend { backend in
            let plain = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["Accept-Encoding": "identity"])
            let compressed = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["Accept-Encoding": "gzip"])
            #expect(compressed.header("Content-Encoding") == "gzip")
            #expect(compressed.header("Vary") == "Accept-Encoding")
            #expect(compressed.header("ETag") == plain.header("ETag").map { $0.dropLast() + "-gzip\"" })
            // URLSession decodes gzip transparently: the decoded bytes are the plain document.
            #expect(compressed.body == plain.body)
            let refused = try await HTTP.request(
                backend.url("/api/v1/reference/bootstrap"), headers: ["Accept-Encoding": "gzip;q=0"])
            #expect(refused.header("Content-Encoding") == nil)
        }
    }

    @Test("errors: one JSON shape with the right status (404 unknown table or path, 405 writes, 400 bad query)")
    func errors() async throws {
        try await withLiveBackend { backend in
            let cases: [(String, String, Int, String)] = [
                ("GET", "/api/v1/reference/not_a_table", 404, "unknown_table"),
                ("GET", "/api/v1/reference/pg_roles", 404, "unknown_table"),
                ("GET", "/api/v1/reference/muscles;DROP%20TABLE%20muscles", 404, "unknown_table"),
                ("GET", "/nowhere", 404, "not_found"),
                ("POST", "/api/v1/reference/muscles", 405, "method_not_allowed"),
                ("DELETE", "/api/v1/reference/bootstrap", 405, "method_not_allowed"),
                ("GET", "/api/v1/reference/muscles?includeInactive=yes", 400, "bad_request"),
            ]
            for (method, path, status, code) in cases {
                let result = try await HTTP.request(backend.url(path), method: method)
                #expect(result.status == status, "\(method) \(path)")
                let error = try json(result)["error"]
                #expect(error?["code"]?.stringValue == code, "\(method) \(path): \(result.text)")
                #expect(error?["message"]?.stringValue?.isEmpty == false)
                #expect(!result.text.contains("SELECT") && !result.text.contains("postgresql://"))
                if status == 405 { #expect(result.header("Allow") == "GET, HEAD") }
            }
            // HEAD, as Allow promises.
            let head = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"), method: "HEAD")
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test("TRACE is 405 with Allow; a 64 KB path or value is quoted back as a bounded prefix only")
    func hostileRequests() async throws {
        try await withLiveBackend { backend in
            let long = String(repeating: "a", count: 65_536)
            let answers = try await PipelinedHTTP.exchange(
                backend.baseURL,
                [
                    .init(.TRACE, "/api/v1/reference/bootstrap"), .init(.GET, "/" + long),
                    .init(.GET, "/api/v1/reference/" + long),
                    .init(.GET, "/api/v1/reference/units?includeInactive=" + long),
                ])
            #expect(answers.responses.map(\.status) == [405, 404, 404, 400])
            #expect(answers.responses.first?.header("Allow") == "GET, HEAD")
            for response in answers.responses {
                #expect(response.body.count < 1_000, "\(response.status): \(response.body.count) bytes")
                let error = try JSONParser.parse(response.body)["error"]
                #expect(error?["code"]?.stringValue != nil && error?["message"]?.stringValue != nil)
            }
            #expect(String(decoding: answers.responses[1].body, as: UTF8.self).contains("(65537 bytes)"))
        }
    }

    @Test("the API reads as the read-only role: a privilege revoked from reference_reader makes reads fail")
    func readsAsReaderRole() async throws {
        try await withLiveBackend { backend in
            try await backend.databaseURL.withConnection(logger: logger) { connection in
                try await connection.execute("REVOKE SELECT ON units FROM reference_reader", logger: logger)
                try await connection.execute(
                    "UPDATE muscles SET name = 'x' WHERE muscle_key = 'biceps'", logger: logger)
            }
            let result = try await HTTP.request(backend.url("/api/v1/reference/bootstrap"))
            #expect(result.status == 503)
            #expect(try json(result)["error"]?["code"] == "database_unavailable")
            #expect(!result.text.contains("permission"))
        }
    }

    @Test(
        "an outage logs one warning when the database goes away and one notice when it returns, not a line per request")
    func outageLogging() async throws {
        let log = LogCapture()
        try await OwnClusterBackend.with(database: "outage", log: log) { backend in
            #expect(try await HTTP.request(backend.url("/health")).status == 200)
            await backend.cluster.suspendServer()
            for (path, times) in [
                ("/health", 2), ("/api/v1/reference/version", 4), ("/api/v1/reference/bootstrap", 4),
            ] {
                for _ in 0..<times { #expect(try await HTTP.request(backend.url(path)).status == 503) }
            }
            try await backend.cluster.resumeServer()
            var recovered = 0
            for _ in 0..<100 {
                recovered = try await HTTP.request(backend.url("/health")).status
                if recovered == 200 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(recovered == 200)
            #expect(try await HTTP.request(backend.url("/api/v1/reference/version")).status == 200)
        }
        let loud = log.lines.filter { $0.level >= .notice }
        #expect(loud.map(\.level) == [.warning, .notice], "\(loud.map { "\($0.level) \($0.message)" })")
        #expect(loud.first?.message.contains("unavailable") == true)
        #expect(loud.last?.message.contains("available again") == true)
        // Success is logged at debug only: a request line per request, nothing louder.
        #expect(log.lines.contains { $0.message == "request" && $0.level == .debug })
    }

    @Test("health: 200 with the database, 503 with a JSON body without it, and 200 again when it returns")
    func healthFollowsTheDatabase() async throws {
        try await OwnClusterBackend.with(database: "health") { backend in
            let healthURL = backend.url("/health")

            let up = try await HTTP.request(healthURL)
            #expect(up.status == 200)
            #expect(try JSONParser.parse(up.body)["database"] == "reachable")

            await backend.cluster.suspendServer()
            let asked = ContinuousClock.now
            let down = try await HTTP.request(healthURL)
            #expect(down.status == 503)
            // The test API's health timeout is 10 s: a database that is gone is said at once, not after it.
            #expect(ContinuousClock.now - asked < .seconds(5))
            #expect(try JSONParser.parse(down.body)["error"]?["code"] == "database_unavailable")
            let bootstrapWhileDown = try await HTTP.request(backend.url("/api/v1/reference/version"))
            #expect(bootstrapWhileDown.status == 503)

            try await backend.cluster.resumeServer()
            var recovered = 0
            for _ in 0..<100 {
                recovered = try await HTTP.request(healthURL).status
                if recovered == 200 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(recovered == 200)
        }
    }

    @Test(
        "consistency: while two datasets are re-seeded alternately, every bootstrap is exactly one of them, with its version"
    )
    func snapshotConsistency() async throws {
        let datasetA = try SourceFixture.small()
        var datasetB = datasetA
        for spec in ReferenceCatalog.tables where spec.column(named: "name") != nil {
            datasetB.update(spec.name) { $0["name"] = .string(($0["name"]?.stringValue ?? "") + " (B)") }
        }
        let directories = [try datasetA.write(), try datasetB.write()]
        try await withLiveBackend(datasetA) { backend in

            /// The tables of a document, keyed by table, with source_type dropped: what a dataset looks like.
            func tables(_ document: JSONValue) -> JSONValue { document["tables"] ?? .null }

            var expected: [JSONValue] = []
            var versions: [String: Int] = [:]
            for (index, directory) in directories.enumerated() {
                let report = try await Seeder(logger: logger).seed(
                    sourceDirectory: directory, into: backend.databaseURL)
                versions[report.referenceVersion] = index
                expected.append(tables(try json(try await HTTP.request(backend.url("/api/v1/reference/bootstrap")))))
            }
            #expect(expected[0] != expected[1])

            let seeding = Task {
                var seeded: [(String, Int)] = []
                for round in 0..<8 {
                    let report = try await Seeder(logger: logger).seed(
                        sourceDirectory: directories[round % 2], into: backend.databaseURL)
                    seeded.append((report.referenceVersion, round % 2))
                }
                return seeded
            }
            var responses: [JSONValue] = []
            try await withThrowingTaskGroup(of: [JSONValue].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var documents: [JSONValue] = []
                        for _ in 0..<10 {
                            documents.append(
                                try JSONParser.parse(
                                    try await HTTP.request(backend.url("/api/v1/reference/bootstrap")).body))
                        }
                        return documents
                    }
                }
                for try await batch in group { responses += batch }
            }
            for (version, index) in try await seeding.value { versions[version] = index }
            for document in responses {
                let version = try #require(document["referenceVersion"]?.stringValue)
                let index = try #require(versions[version], "unknown version \(version)")
                #expect(tables(document) == expected[index], "version \(version) does not carry dataset \(index)")
            }
        }
    }
}
