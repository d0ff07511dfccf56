import CoreMetrics
import Foundation
import NIOCore
import PostgresNIO
import Synchronization

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The API's figures, for `GET /metrics` in the Prometheus text format (README, "Metrics"): recorded
/// through swift-metrics into a Prometheus registry of this server's own (two servers in one process, as in
/// the tests, never mix their counts), and written out by swift-prometheus.
///
/// Requests are counted by route (a fixed set, so a client cannot create series) and status, after they are
/// answered, whichever layer answered them (the router, or the 304 fast path). What `ConnectionGuard` answers
/// itself (408, 431, 505, the 503 of a full server) is not a routed request: it is counted by its error kind
/// and by why the connection was closed.
public final class APIMetrics: Sendable {
    /// A request's route: its template, never the path a client sent.
    public enum Route: String, CaseIterable, Sendable {
        case health = "/health"
        case version = "/api/v1/reference/version"
        case bootstrap = "/api/v1/reference/bootstrap"
        case table = "/api/v1/reference/{table}"
        case openAPI = "/openapi.yaml"
        case metrics = "/metrics"
        case other

        /// The route of a request path (its query ignored).
        public init(path: some StringProtocol) {
            let path = path.prefix { $0 != "?" }
            if let route = Route(rawValue: String(path)), route != .other {
                self = route
            } else if path.hasPrefix("/api/v1/reference/"), !path.dropFirst(18).contains("/"), path.count > 18 {
                self = .table
            } else {
                self = .other
            }
        }
    }

    /// Why the server closed a client connection.
    public enum Closed: String, CaseIterable, Sendable {
        /// No request in progress for `ConnectionLimits.idleTimeout`.
        case idleTimeout = "idle_timeout"
        /// A request that did not arrive whole within `ConnectionLimits.requestTimeout` (slow-loris).
        case requestTimeout = "request_timeout"
        /// The longest idle connection, closed to make room for a new one at the cap.
        case evicted
        /// A new connection at the cap while every open one was busy: answered 503.
        case refused
        /// A request the HTTP decoder could not parse.
        case unparsable
    }

    /// The registry `/metrics` writes out.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let durations: [CoreMetrics.Timer]
    private let bytes: [CoreMetrics.Counter]
    private let gzipped: [CoreMetrics.Counter]
    private let closes: [CoreMetrics.Counter]
    private let requests = Mutex<[Int: CoreMetrics.Counter]>([:])
    private let errors = Mutex<[String: CoreMetrics.Counter]>([:])
    private let poolWait: CoreMetrics.Timer
    private let versionWait: CoreMetrics.Timer

    let databaseUp: CoreMetrics.Gauge
    let versionSequence: CoreMetrics.Gauge
    let schemaVersion: CoreMetrics.Gauge
    let lastUpdated: CoreMetrics.Gauge
    let inRecovery: CoreMetrics.Gauge
    let replayLagSeconds: CoreMetrics.Gauge
    let replayLagBytes: CoreMetrics.Gauge
    /// Made on the first scrape that finds a seed recorded: until then the series are absent, not 0 (a
    /// seed at 1970).
    private let lastSeed = Mutex<LastSeedGauges?>(nil)

    struct LastSeedGauges {
        let time: CoreMetrics.Gauge
        let sourceRows: CoreMetrics.Gauge
        let changedRows: CoreMetrics.Gauge
        let duration: CoreMetrics.Gauge
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.registry = registry
        self.factory = factory
        durations = Route.allCases.map {
            Timer(
                label: "reference_api_request_duration_seconds", dimensions: [("route", $0.rawValue)], factory: factory)
        }
        bytes = Route.allCases.map {
            CoreMetrics.Counter(
                label: "reference_api_response_bytes_total", dimensions: [("route", $0.rawValue)], factory: factory)
        }
        gzipped = Route.allCases.map {
            CoreMetrics.Counter(
                label: "reference_api_gzip_responses_total", dimensions: [("route", $0.rawValue)], factory: factory)
        }
        closes = Closed.allCases.map {
            CoreMetrics.Counter(
                label: "reference_api_connections_closed_total", dimensions: [("reason", $0.rawValue)], factory: factory
            )
        }
        poolWait = Timer(label: "reference_api_database_pool_wait_seconds", factory: factory)
        versionWait = Timer(label: "reference_api_version_check_seconds", factory: factory)
        databaseUp = CoreMetrics.Gauge(label: "reference_database_up", factory: factory)
        versionSequence = CoreMetrics.Gauge(label: "reference_version_seq", factory: factory)
        schemaVersion = CoreMetrics.Gauge(label: "reference_schema_version", factory: factory)
        lastUpdated = CoreMetrics.Gauge(label: "reference_last_updated_timestamp_seconds", factory: factory)
        inRecovery = CoreMetrics.Gauge(label: "reference_database_in_recovery", factory: factory)
        replayLagSeconds = CoreMetrics.Gauge(label: "reference_replay_lag_seconds", factory: factory)
        replayLagBytes = CoreMetrics.Gauge(label: "reference_replay_lag_bytes", factory: factory)
    }

    private static func index(_ route: Route) -> Int { Route.allCases.firstIndex(of: route)! }

    /// One answered request: its route and status, how long it took, the body bytes sent, whether gzip.
    func request(path: String, status: Int, duration: Duration, bodyBytes: Int, gzip: Bool) {
        let route = Route(path: path)
        let index = Self.index(route)
        let key = index * 1000 + min(max(status, 0), 999)
        let counter = requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let made = CoreMetrics.Counter(
                label: "reference_api_requests_total",
                dimensions: [("route", route.rawValue), ("status", "\(status)")],
                factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
        durations[index].recordNanoseconds(duration.nanoseconds)
        if bodyBytes > 0 { bytes[index].increment(by: bodyBytes) }
        if gzip { gzipped[index].increment() }
    }

    /// An error answered, by kind: the code of the API's JSON error (`database_unavailable`, `unknown_table`,
    /// ...), or `database_timeout` when the database did not answer in time, or `unparsable_request`.
    func error(_ kind: String) {
        let counter = errors.withLock { counters in
            if let counter = counters[kind] { return counter }
            let made = CoreMetrics.Counter(
                label: "reference_api_errors_total", dimensions: [("kind", kind)], factory: factory)
            counters[kind] = made
            return made
        }
        counter.increment()
    }

    func closed(_ reason: Closed) {
        closes[Closed.allCases.firstIndex(of: reason)!].increment()
    }

    /// How long a request waited for a connection of the database pool.
    func waitedForConnection(_ duration: Duration) {
        poolWait.recordNanoseconds(duration.nanoseconds)
    }

    /// How long a request waited for the current version (the `VersionGate`'s shared query).
    func waitedForVersion(_ duration: Duration) {
        versionWait.recordNanoseconds(duration.nanoseconds)
    }

    /// The last committed seed, as `reference_seed_runs` records it.
    func lastSeed(finishedAt: Double, sourceRows: Double, changedRows: Double, seconds: Double) {
        let gauges = lastSeed.withLock { gauges in
            if let gauges { return gauges }
            let made = LastSeedGauges(
                time: CoreMetrics.Gauge(label: "reference_last_seed_timestamp_seconds", factory: factory),
                sourceRows: CoreMetrics.Gauge(label: "reference_last_seed_source_rows", factory: factory),
                changedRows: CoreMetrics.Gauge(label: "reference_last_seed_changed_rows", factory: factory),
                duration: CoreMetrics.Gauge(label: "reference_last_seed_duration_seconds", factory: factory))
            gauges = made
            return made
        }
        gauges.time.record(finishedAt)
        gauges.sourceRows.record(sourceRows)
        gauges.changedRows.record(changedRows)
        gauges.duration.record(seconds)
    }

    /// The text format (version 0.0.4).
    func exposition() -> ByteBuffer {
        ByteBuffer(bytes: registry.emitToBuffer())
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}

extension PostgresClient {
    /// `withConnection`, with the wait for the connection recorded.
    func withConnection<Result: Sendable>(
        recordingWaitIn metrics: APIMetrics?, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let asked = ContinuousClock.now
        return try await withConnection { connection in
            metrics?.waitedForConnection(ContinuousClock.now - asked)
            return try await body(connection)
        }
    }
}
