import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// The Prometheus text of `GET /metrics`, parsed back: one value per series, the series named by the metric
/// and its labels in sorted order (`name{a="1",b="2"}`).
struct MetricsText {
    let values: [String: Double]

    init(_ text: String) throws {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw MetricsTextError(line: String(line))
            }
            values[Self.key(String(line[..<space]))] = value
        }
        self.values = values
    }

    /// The value of `name` with exactly `labels`, or nil when the server has no such series.
    subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        values[Self.key(name, labels)]
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        labels.isEmpty
            ? name
            : name + "{"
                + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
                .joined(separator: ",") + "}"
    }

    /// A series as written (`name{b="2",a="1"}`) in the sorted form.
    static func key(_ series: String) -> String {
        guard let open = series.firstIndex(of: "{"), series.hasSuffix("}") else { return series }
        var labels: [String: String] = [:]
        for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return key(String(series[..<open]), labels)
    }
}

struct MetricsTextError: Error, CustomStringConvertible {
    let line: String
    var description: String { "not a Prometheus sample line: \(line)" }
}

@Suite("GET /metrics", .integration)
struct MetricsTests {
    static let bootstrap = "/api/v1/reference/bootstrap"
    static let table = "/api/v1/reference/{table}"

    static func scrape(_ url: URL) async throws -> (MetricsText, HTTP.Result) {
        let response = try await HTTP.request(url)
        #expect(response.status == 200)
        return (try MetricsText(response.text), response)
    }

    @Test("requests are counted by route and status whichever layer answers, with latency, bytes, gzip and errors")
    func countsKnownRequests() async throws {
        try await withLiveBackend { backend in
            let plain = try await HTTP.request(backend.url(Self.bootstrap), headers: ["Accept-Encoding": "identity"])
            _ = try await HTTP.request(backend.url(Self.bootstrap), headers: ["Accept-Encoding": "identity"])
            let etag = try #require(plain.header("ETag"))
            for _ in 0..<3 {
                let revalidated = try await HTTP.request(
                    backend.url(Self.bootstrap), headers: ["If-None-Match": etag, "Accept-Encoding": "identity"])
                #expect(revalidated.status == 304)
            }
            let gzip = try await HTTP.request(backend.url(Self.bootstrap), headers: ["Accept-Encoding": "gzip"])
            #expect(gzip.status == 200)
            #expect(try await HTTP.request(backend.url("/api/v1/reference/units")).status == 200)
            #expect(try await HTTP.request(backend.url("/api/v1/reference/not_a_table")).status == 404)
            #expect(
                try await HTTP.request(backend.url("/api/v1/reference/units?includeInactive=maybe")).status == 400)
            #expect(try await HTTP.request(backend.url("/no/such/path")).status == 404)

            let (metrics, response) = try await Self.scrape(backend.url("/metrics"))
            #expect(response.header("Cache-Control") == "no-store")
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.header("ETag") == nil)
            let requests = "reference_api_requests_total"
            #expect(metrics[requests, ["route": Self.bootstrap, "status": "200"]] == 3)
            #expect(metrics[requests, ["route": Self.bootstrap, "status": "304"]] == 3, "the fast path's 304s")
            #expect(metrics[requests, ["route": Self.table, "status": "200"]] == 1)
            #expect(metrics[requests, ["route": Self.table, "status": "404"]] == 1)
            #expect(metrics[requests, ["route": Self.table, "status": "400"]] == 1)
            #expect(metrics[requests, ["route": "other", "status": "404"]] == 1, "a path is never a label")
            #expect(
                metrics["reference_api_request_duration_seconds_count", ["route": Self.bootstrap]] == 6,
                "one latency sample per bootstrap request")
            #expect(metrics["reference_api_gzip_responses_total", ["route": Self.bootstrap]] == 1)
            let bytes = try #require(metrics["reference_api_response_bytes_total", ["route": Self.bootstrap]])
            #expect(bytes > Double(2 * plain.body.count), "two plain bodies and a gzip one: \(bytes)")
            #expect(bytes < Double(3 * plain.body.count), "a 304 sends no body: \(bytes)")
            #expect(metrics["reference_api_errors_total", ["kind": "unknown_table"]] == 1)
            #expect(metrics["reference_api_errors_total", ["kind": "bad_request"]] == 1)
            #expect(metrics["reference_api_errors_total", ["kind": "not_found"]] == 1)
            #expect(metrics["reference_api_database_pool_wait_seconds_count"].map { $0 >= 1 } == true)
            #expect(metrics["reference_api_version_check_seconds_count"].map { $0 >= 1 } == true)

            // The database's own figures, read at the scrape.
            let version = try JSONParser.parse(try await HTTP.request(backend.url("/api/v1/reference/version")).body)
            let token = try #require(version["referenceVersion"]?.stringValue)
            #expect(metrics["reference_version_seq"] == Double(token.prefix { $0 != "." }))
            #expect(metrics["reference_schema_version"] == Double(Migration.latestVersion))
            #expect(metrics["reference_database_up"] == 1)
            let sourceRows = backend.seed.tables.reduce(0) { $0 + $1.sourceRows }
            #expect(metrics["reference_last_seed_source_rows"] == Double(sourceRows))
            let seededAt = try #require(metrics["reference_last_seed_timestamp_seconds"])
            #expect(abs(seededAt - Date().timeIntervalSince1970) < 3600, "seeded at \(seededAt)")
            #expect(metrics["reference_last_seed_duration_seconds"].map { $0 > 0 } == true)

            // The scrape itself is a request like the others, seen by the next scrape.
            let (next, _) = try await Self.scrape(backend.url("/metrics"))
            #expect(next[requests, ["route": "/metrics", "status": "200"]] == 1)
            #expect(next[requests, ["route": Self.bootstrap, "status": "200"]] == 3)
        }
    }

    @Test("the gauges follow the database: a seed moves version and last seed, an outage sets database_up to 0")
    func gaugesFollowTheDatabase() async throws {
        try await OwnClusterBackend.with(database: "metrics") { backend in
            let (empty, _) = try await Self.scrape(backend.url("/metrics"))
            #expect(empty["reference_version_seq"] == 1)
            #expect(empty["reference_last_seed_source_rows"] == nil, "no seed has run, so no seed series")
            #expect(empty["reference_last_seed_timestamp_seconds"] == nil)
            let directory = try SourceFixture.small().write()
            defer { try? FileManager.default.removeItem(at: directory) }
            let report = try await Seeder(logger: TestDatabases.logger).seed(
                sourceDirectory: directory, into: backend.databaseURL)
            let (seeded, _) = try await Self.scrape(backend.url("/metrics"))
            #expect(seeded["reference_version_seq"] == Double(report.referenceVersion.prefix { $0 != "." }))
            #expect(seeded["reference_last_seed_source_rows"] == Double(report.tables.reduce(0) { $0 + $1.sourceRows }))
            #expect(seeded["reference_last_seed_changed_rows"] == seeded["reference_last_seed_source_rows"])
            // A no-op re-seed is a successful seed too: recorded, nothing changed, the version kept.
            _ = try await Seeder(logger: TestDatabases.logger).seed(
                sourceDirectory: directory, into: backend.databaseURL)
            let (again, _) = try await Self.scrape(backend.url("/metrics"))
            #expect(again["reference_last_seed_changed_rows"] == 0)
            #expect(again["reference_version_seq"] == seeded["reference_version_seq"])
            #expect(
                try #require(again["reference_last_seed_timestamp_seconds"])
                    >= (try #require(seeded["reference_last_seed_timestamp_seconds"])))

            await backend.cluster.suspendServer()
            #expect(try await HTTP.request(backend.url("/api/v1/reference/version")).status == 503)
            let (down, _) = try await Self.scrape(backend.url("/metrics"))
            #expect(down["reference_database_up"] == 0)
            #expect(down["reference_version_seq"] == seeded["reference_version_seq"], "the last value read is kept")
            let unavailable = ["database_unavailable", "database_timeout"].compactMap {
                down["reference_api_errors_total", ["kind": $0]]
            }
            #expect(unavailable.reduce(0, +) >= 1, "\(down.values.keys.filter { $0.contains("errors") })")
            try await backend.cluster.resumeServer()
        }
    }

    @Test("closes by the connection guard are counted by reason: idle, unparsable")
    func connectionCloses() async throws {
        let limits = ConnectionLimits(idleTimeout: .milliseconds(300), requestTimeout: .seconds(10))
        try await withLiveBackend(clients: limits) { backend in
            let idle = try await RawConnection.open(backend.baseURL)
            #expect(try await idle.waitUntilClosed(timeout: .seconds(10)))
            let garbage = try await RawConnection.open(backend.baseURL)
            try await garbage.send("GET / HTTP/1.1\r\nHost: x\r\nBad\u{1}Header: y\r\n\r\n")
            #expect(try await garbage.waitUntilClosed(timeout: .seconds(10)))
            let (metrics, _) = try await Self.scrape(backend.url("/metrics"))
            let closed = "reference_api_connections_closed_total"
            #expect(metrics[closed, ["reason": "idle_timeout"]].map { $0 >= 1 } == true)
            #expect(metrics[closed, ["reason": "unparsable"]] == 1)
            #expect(metrics["reference_api_errors_total", ["kind": "bad_request"]] == 1, "the guard's own 400")
        }
    }

    @Test("with metrics off there is no /metrics (404) and the reference routes answer as before")
    func off() async throws {
        let (url, _) = try await TestDatabases.seeded(try SourceFixture.small(), prefix: "metrics-off")
        let api = try await RunningAPI.start(databaseURL: url, logger: TestDatabases.logger, metrics: false)
        try await api.withStop { api in
            let metrics = try await HTTP.request(URL(string: api.baseURL.absoluteString + "/metrics")!)
            #expect(metrics.status == 404)
            #expect(try JSONParser.parse(metrics.body)["error"]?["code"] == "not_found")
            let bootstrap = try await HTTP.request(URL(string: api.baseURL.absoluteString + Self.bootstrap)!)
            #expect(bootstrap.status == 200)
        }
        try? await TestDatabases.drop(url)
    }
}
