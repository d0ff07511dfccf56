import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import TestSupport
import Testing

@testable import ReferenceBackend

/// The fast path below the router (`DocumentFastPath`: 304s and built documents), over real HTTP against a
/// real PostgreSQL.
@Suite("Document fast path", .integration)
struct DocumentFastPathTests {
    let logger = TestDatabases.logger

    /// Runs `body` against a backend whose request log lines are kept, then stops it.
    func withLoggedBackend(_ body: (LiveBackend, LogCapture) async throws -> Void) async throws {
        let log = LogCapture()
        try await withLiveBackend(requestLog: log) { backend in try await body(backend, log) }
    }

    func etag(_ backend: LiveBackend, _ path: String = "/api/v1/reference/bootstrap") async throws -> String {
        try #require(try await HTTP.request(backend.url(path), headers: ["Accept-Encoding": "identity"]).header("ETag"))
    }

    func layers(_ log: LogCapture) -> [String] {
        log.lines.filter { $0.message == "request" }.compactMap { $0.metadata["api.layer"] }
    }

    @Test("a revalidation is answered below the router with the router's own 304: same status line and headers")
    func sameAnswerAsTheRouter() async throws {
        try await withLoggedBackend { backend, log in
            let tag = try await etag(backend)
            let path = "/api/v1/reference/bootstrap"
            // The same revalidation twice: kept alive (fast path), and with Connection: close (router).
            let fast = try await PipelinedHTTP.exchange(
                backend.baseURL, [.init(.GET, path, headers: [("If-None-Match", tag)])])
            let routed = try await PipelinedHTTP.exchange(
                backend.baseURL, [.init(.GET, path, headers: [("If-None-Match", tag), ("Connection", "close")])])
            let answers = [try #require(fast.responses.first), try #require(routed.responses.first)]
            #expect(answers.map(\.status) == [304, 304])
            #expect(answers.allSatisfy { $0.body.isEmpty })
            func withoutDate(_ response: PipelinedHTTP.Response) -> [String] {
                response.headers.filter { $0.name.lowercased() != "date" && $0.name.lowercased() != "connection" }
                    .map { "\($0.name.lowercased()): \($0.value)" }.sorted()
            }
            #expect(withoutDate(answers[0]) == withoutDate(answers[1]))
            #expect(answers[0].header("ETag") == tag)
            #expect(answers[0].header("Date").flatMap { Self.imfFixdate.date(from: $0) } != nil)
            #expect(layers(log).suffix(2) == ["fast-path", "router"])
        }
    }

    @Test("gzip and HEAD revalidations and table documents are taken too; other requests go to the router")
    func whatIsTaken() async throws {
        try await withLoggedBackend { backend, log in
            let tag = try await etag(backend)
            let before = layers(log).count
            let requests: [(PipelinedHTTP.Request, Int, String)] = [
                (.init(.GET, "/api/v1/reference/muscles", headers: [("If-None-Match", tag)]), 304, "fast-path"),
                (
                    .init(
                        .GET, "/api/v1/reference/bootstrap",
                        headers: [("If-None-Match", tag), ("Accept-Encoding", "gzip")]),
                    304, "fast-path"
                ),
                (
                    .init(.HEAD, "/api/v1/reference/bootstrap", headers: [("If-None-Match", "W/\(tag)")]), 304,
                    "fast-path"
                ),
                // A stale tag: the built document's bytes, from the fast path too.
                (
                    .init(.GET, "/api/v1/reference/bootstrap", headers: [("If-None-Match", "\"0.stale\"")]), 200,
                    "fast-path"
                ),
                // HEAD with a stale tag has no body to send: the router answers it.
                (
                    .init(.HEAD, "/api/v1/reference/bootstrap", headers: [("If-None-Match", "\"0.stale\"")]), 200,
                    "router"
                ),
                (
                    .init(.GET, "/api/v1/reference/muscles?includeInactive=false", headers: [("If-None-Match", tag)]),
                    304,
                    "router"
                ),
                // /version revalidates too (its ETag is the version's), in the router.
                (.init(.GET, "/api/v1/reference/version", headers: [("If-None-Match", tag)]), 304, "router"),
                (.init(.GET, "/api/v1/reference/no_such_table", headers: [("If-None-Match", tag)]), 404, "router"),
                (.init(.DELETE, "/api/v1/reference/bootstrap", headers: [("If-None-Match", tag)]), 405, "router"),
            ]
            for (request, status, layer) in requests {
                let answer = try #require(try await PipelinedHTTP.exchange(backend.baseURL, [request]).responses.first)
                #expect(answer.status == status, "\(request.method) \(request.path)")
                #expect(layers(log).last == layer, "\(request.method) \(request.path)")
            }
            #expect(layers(log).count == before + requests.count)
            let gzip = try await PipelinedHTTP.exchange(
                backend.baseURL,
                [
                    .init(
                        .GET, "/api/v1/reference/bootstrap",
                        headers: [("If-None-Match", tag), ("Accept-Encoding", "gzip")])
                ])
            #expect(gzip.responses.first?.header("ETag") == String(tag.dropLast()) + "-gzip\"")
        }
    }

    @Test("a GET of a built document is answered below the router with the router's own head and bytes")
    func builtDocumentSameAsTheRouter() async throws {
        try await withLoggedBackend { backend, log in
            let cases: [(path: String, headers: [(String, String)])] = [
                ("/api/v1/reference/bootstrap", []),
                ("/api/v1/reference/bootstrap", [("Accept-Encoding", "gzip")]),
                ("/api/v1/reference/exercise_muscles", []),
                ("/api/v1/reference/units", [("Accept-Encoding", "gzip, deflate")]),
            ]
            func withoutDate(_ response: PipelinedHTTP.Response) -> [String] {
                response.headers.filter { $0.name.lowercased() != "date" && $0.name.lowercased() != "connection" }
                    .map { "\($0.name.lowercased()): \($0.value)" }
            }
            for (path, headers) in cases {
                // The router first (Connection: close never takes the fast path): it builds the document and,
                // for gzip, compresses it; then the same request kept alive.
                let routed = try #require(
                    try await PipelinedHTTP.exchange(
                        backend.baseURL, [.init(.GET, path, headers: headers + [("Connection", "close")])]
                    ).responses.first)
                let fast = try #require(
                    try await PipelinedHTTP.exchange(backend.baseURL, [.init(.GET, path, headers: headers)])
                        .responses.first)
                let label = Comment(rawValue: path + " " + headers.map { "\($0.0): \($0.1)" }.joined(separator: ", "))
                #expect(Array(layers(log).suffix(2)) == ["router", "fast-path"], label)
                #expect([routed.status, fast.status] == [200, 200], label)
                #expect(withoutDate(fast) == withoutDate(routed), label)
                #expect(fast.body == routed.body, label)
                #expect(fast.header("Content-Length") == String(fast.body.count))
                #expect(fast.header("Date").flatMap { Self.imfFixdate.date(from: $0) } != nil)
            }
        }
    }

    @Test(
        "a version's first request, a table's and a first gzip request go to the router, which builds; the next do not")
    func routerBuildsFirst() async throws {
        try await withLoggedBackend { backend, log in
            func get(_ path: String, gzip: Bool = false) async throws -> PipelinedHTTP.Response {
                let headers = gzip ? [("Accept-Encoding", "gzip")] : [("Accept-Encoding", "identity")]
                return try #require(
                    try await PipelinedHTTP.exchange(backend.baseURL, [.init(.GET, path, headers: headers)])
                        .responses.first)
            }
            let bootstrap = "/api/v1/reference/bootstrap"
            let before = layers(log).count
            let first = try await get(bootstrap)
            _ = try await get(bootstrap)
            _ = try await get(bootstrap, gzip: true)
            _ = try await get(bootstrap, gzip: true)
            _ = try await get("/api/v1/reference/muscles")
            _ = try await get("/api/v1/reference/muscles")
            try await backend.databaseURL.withConnection(logger: logger) { connection in
                try await connection.execute(
                    "UPDATE units SET name = name || ' (fast path)' WHERE unit_key = 'kg'", logger: logger)
            }
            let changed = try await get(bootstrap)
            let again = try await get(bootstrap)
            #expect(
                Array(layers(log).dropFirst(before)) == [
                    "router", "fast-path", "router", "fast-path", "router", "fast-path", "router", "fast-path",
                ])
            // The document after the change is the new version's, from both layers.
            #expect(changed.header("ETag") != first.header("ETag"))
            #expect(again.header("ETag") == changed.header("ETag"))
            #expect(again.body == changed.body)
            let kg = try JSONParser.parse(again.body)["tables"]?["units"]?.arrayValue?.first { $0["unit_key"] == "kg" }
            #expect(kg?["name"]?.stringValue?.hasSuffix(" (fast path)") == true)
        }
    }

    @Test("pipelined requests are answered in request order, whichever layer answers each")
    func pipeliningKeepsOrder() async throws {
        try await withLoggedBackend { backend, _ in
            let tag = try await etag(backend)
            let revalidate = PipelinedHTTP.Request(
                .GET, "/api/v1/reference/bootstrap", headers: [("If-None-Match", tag)])
            let requests: [PipelinedHTTP.Request] = [
                revalidate,
                .init(.GET, "/api/v1/reference/version"),
                revalidate,
                .init(.GET, "/api/v1/reference/units", headers: [("If-None-Match", "\"0.stale\"")]),
                revalidate,
                revalidate,
                .init(.GET, "/api/v1/reference/no_such_table"),
                .init(.GET, "/api/v1/reference/muscles", headers: [("If-None-Match", tag), ("Connection", "close")]),
            ]
            let (responses, closed) = try await PipelinedHTTP.exchange(backend.baseURL, requests)
            #expect(responses.map(\.status) == [304, 200, 304, 200, 304, 304, 404, 304])
            #expect(
                try JSONParser.parse(responses[1].body)["referenceVersion"] == .string(backend.seed.referenceVersion))
            #expect(try JSONParser.parse(responses[3].body)["table"] == "units")
            #expect(try JSONParser.parse(responses[6].body)["error"]?["code"] == "unknown_table")
            #expect(closed)
        }
    }

    @Test("a client that half-closes after its requests still gets every answer, the held revalidation's first")
    func halfClosedClient() async throws {
        try await withLoggedBackend { backend, _ in
            let tag = try await etag(backend)
            let requests: [PipelinedHTTP.Request] = [
                .init(.GET, "/api/v1/reference/bootstrap", headers: [("If-None-Match", tag)]),
                .init(.GET, "/api/v1/reference/version"),
                .init(.GET, "/api/v1/reference/muscles", headers: [("If-None-Match", tag)]),
            ]
            for _ in 0..<3 {
                let (responses, _) = try await PipelinedHTTP.exchange(backend.baseURL, requests, halfClose: true)
                #expect(responses.map(\.status) == [304, 200, 304])
            }
            let single = try await PipelinedHTTP.exchange(backend.baseURL, [requests[0]], halfClose: true)
            #expect(single.responses.map(\.status) == [304])
        }
    }

    @Test("a change committed through SQL ends the 304s on the very next revalidation")
    func freshness() async throws {
        try await withLoggedBackend { backend, log in
            func revalidate(_ tag: String) async throws -> PipelinedHTTP.Response {
                let request = PipelinedHTTP.Request(
                    .GET, "/api/v1/reference/bootstrap", headers: [("If-None-Match", tag)])
                return try #require(try await PipelinedHTTP.exchange(backend.baseURL, [request]).responses.first)
            }
            var tag = try await etag(backend)
            for round in 0..<5 {
                #expect(try await revalidate(tag).status == 304, "round \(round)")
                try await backend.databaseURL.withConnection(logger: logger) { connection in
                    try await connection.execute(
                        "UPDATE units SET name = name || '\(round)' WHERE unit_key = 'kg'", logger: logger)
                }
                let changed = try await revalidate(tag)
                #expect(changed.status == 200, "round \(round)")
                let changedTag = try #require(changed.header("ETag"))
                #expect(changedTag != tag)
                let document = try JSONParser.parse(changed.body)
                let kg = document["tables"]?["units"]?.arrayValue?.first { $0["unit_key"] == "kg" }
                #expect(kg?["name"]?.stringValue?.hasSuffix("\(round)") == true)
                // Put the row back: the version moves on again, so neither earlier tag is current.
                try await backend.databaseURL.withConnection(logger: logger) { connection in
                    try await connection.execute(
                        "UPDATE units SET name = left(name, -1) WHERE unit_key = 'kg'", logger: logger)
                }
                let restored = try await revalidate(changedTag)
                #expect(restored.status == 200, "round \(round)")
                tag = try #require(restored.header("ETag"))
                #expect(try await revalidate(changedTag).status == 200)
            }
            #expect(layers(log).contains("fast-path"))
        }
    }

    @Test("with the database away a revalidation gets the API's 503 body; when it returns, 304 again")
    func databaseAway() async throws {
        try await OwnClusterBackend.with(database: "fastpath") { backend in
            let bootstrap = backend.url("/api/v1/reference/bootstrap")
            let tag = try #require(try await HTTP.request(bootstrap).header("ETag"))
            let revalidate = [
                PipelinedHTTP.Request(.GET, "/api/v1/reference/bootstrap", headers: [("If-None-Match", tag)])
            ]

            await backend.cluster.suspendServer()
            let down = try #require(try await PipelinedHTTP.exchange(backend.api.baseURL, revalidate).responses.first)
            #expect(down.status == 503)
            #expect(try JSONParser.parse(down.body)["error"]?["code"] == "database_unavailable")

            try await backend.cluster.resumeServer()
            var status = 0
            for _ in 0..<100 {
                status = try #require(try await PipelinedHTTP.exchange(backend.api.baseURL, revalidate).responses.first)
                    .status
                if status == 304 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == 304)
        }
    }

    @Test("only HTTP/1.1 keep-alive GET, or HEAD with a tag, of a document without query or body is eligible")
    func eligibility() {
        func head(
            _ method: HTTPMethod = .GET, _ uri: String = "/api/v1/reference/bootstrap",
            version: HTTPVersion = .http1_1, headers: [(String, String)] = [("If-None-Match", "\"1.a\"")]
        ) -> HTTPRequestHead {
            HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
        }
        func wanted(_ request: HTTPRequestHead) -> DocumentFastPath.Wanted? { DocumentFastPath.wanted(request) }
        #expect(
            wanted(head()) == .init(document: "bootstrap", ifNoneMatch: "\"1.a\"", gzip: false, isHead: false))
        #expect(wanted(head(.HEAD))?.isHead == true)
        #expect(wanted(head(.GET, "/api/v1/reference/exercise_muscles"))?.document == "exercise_muscles")
        #expect(wanted(head(headers: [("Accept-Encoding", "br, gzip")]))?.gzip == true)
        #expect(wanted(head(headers: [("Accept-Encoding", "gzip;q=0")]))?.gzip == false)
        // A GET without a tag may get a built document; a HEAD without one goes to the router.
        #expect(wanted(head(headers: [])) == .init(document: "bootstrap", ifNoneMatch: nil, gzip: false, isHead: false))
        #expect(wanted(head(.HEAD, headers: [])) == nil)
        #expect(wanted(head(.POST)) == nil)
        #expect(wanted(head(.GET, "/api/v1/reference/version")) == nil)
        #expect(wanted(head(.GET, "/api/v1/reference/nope")) == nil)
        #expect(wanted(head(.GET, "/api/v1/reference/bootstrap?x=1")) == nil)
        #expect(wanted(head(.GET, "/health")) == nil)
        #expect(wanted(head(version: .http1_0)) == nil)
        #expect(wanted(head(headers: [("If-None-Match", "*"), ("Connection", "close")])) == nil)
        #expect(wanted(head(headers: [("If-None-Match", "*"), ("Content-Length", "3")])) == nil)
        #expect(wanted(head(headers: [("If-None-Match", "*"), ("Content-Length", "0")]))?.ifNoneMatch == "*")
        #expect(wanted(head(headers: [("If-None-Match", "*"), ("Transfer-Encoding", "chunked")])) == nil)
    }

    @Test("If-None-Match matching: lists, weak tags, either encoding's tag, *, and near misses")
    func tagMatching() {
        #expect(ReferenceAPI.matches("\"7.abc\"", token: "7.abc"))
        #expect(ReferenceAPI.matches("W/\"7.abc\"", token: "7.abc"))
        #expect(ReferenceAPI.matches("\"7.abc-gzip\"", token: "7.abc"))
        #expect(ReferenceAPI.matches("\"1.x\", \t\"7.abc\" ", token: "7.abc"))
        #expect(ReferenceAPI.matches("*", token: "7.abc"))
        #expect(!ReferenceAPI.matches("\"7.ab\"", token: "7.abc"))
        #expect(!ReferenceAPI.matches("\"17.abc\"", token: "7.abc"))
        #expect(!ReferenceAPI.matches("\"7.abc-gzip-gzip\"", token: "7.abc"))
        #expect(!ReferenceAPI.matches("", token: "7.abc"))
    }

    /// RFC 9110's IMF-fixdate, by Foundation.
    static var imfFixdate: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    @Test("a task preferring EventLoopTaskExecutor runs on that event loop, before and after it suspends")
    func versionChecksRunOnTheEventLoop() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = EventLoopTaskExecutor(loop)
        let onLoop = try await Task(executorPreference: executor) {
            let before = loop.inEventLoop
            try await Task.sleep(for: .milliseconds(5))
            let scheduled = try await loop.scheduleTask(in: .milliseconds(1)) { 7 }.futureResult.get()
            return [before, loop.inEventLoop, scheduled == 7]
        }.value
        #expect(onLoop == [true, true, true])
        let elsewhere = await Task { loop.inEventLoop }.value
        #expect(!elsewhere)
    }

    @Test("the Date header is IMF-fixdate in GMT, as Foundation formats it, and tracks the clock")
    func dateHeader() throws {
        for second in [0, 951_782_400, 1_700_000_000, 1_795_000_000, 4_102_444_799] {
            #expect(
                HTTPDate.format(second) == Self.imfFixdate.string(from: Date(timeIntervalSince1970: Double(second))))
        }
        let now = try #require(Self.imfFixdate.date(from: HTTPDate.now()))
        #expect(abs(now.timeIntervalSinceNow) < 2)
    }
}
