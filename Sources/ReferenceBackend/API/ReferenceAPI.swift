import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import ServiceLifecycle
import UnixSignals

/// The read-only reference API (DESIGN.md, "API contract"):
///
/// * `GET /health`: 200 with the database reachable, 503 with a JSON body when not.
/// * `GET /api/v1/reference/version`: `{schemaVersion, referenceVersion, lastUpdated}`.
/// * `GET /api/v1/reference/bootstrap`: all 20 tables, active rows, one snapshot.
/// * `GET /api/v1/reference/{table}`: one table; `?includeInactive=true` adds inactive rows and `is_active`.
/// * `GET /openapi.yaml`: the OpenAPI document.
/// * `GET /metrics`: the server's figures in the Prometheus text format (`APIMetrics`), unless turned off.
///
/// Bootstrap and table documents are built once per `referenceVersion` and served as bytes, gzip-encoded
/// when the client accepts it, with an `ETag` from the version (`If-None-Match` gives 304) and
/// `Cache-Control: public, no-cache` (shared caches may keep it and revalidate).
public struct ReferenceAPI: Sendable {
    public struct Configuration: Sendable {
        /// Interface to listen on (`REFERENCE_API_HOST`, default 127.0.0.1).
        public var host: String
        /// Port (`REFERENCE_API_PORT`, default 8080; 0 picks a free port).
        public var port: Int
        /// The database (connected as given; queries run as `reference_reader` when the user may take it).
        public var databaseURL: DatabaseURL
        /// Connections in the pool (`REFERENCE_API_DB_CONNECTIONS`, default 8).
        public var maximumConnections: Int
        /// How long a request waits for the database before it answers 503 (`REFERENCE_API_DB_TIMEOUT`
        /// seconds, default 5).
        public var databaseTimeout: Duration
        /// How long `/health` waits for the database before it answers 503 (default 2 s, so probes get a quick
        /// answer; at most `databaseTimeout`).
        public var healthTimeout: Duration
        /// Idle and request timeouts, and the cap on client connections.
        public var clients: ConnectionLimits
        /// Whether the server keeps figures and serves `GET /metrics` (`serve --metrics on|off`, default on).
        public var metrics: Bool

        public init(
            host: String = "127.0.0.1", port: Int = 8080, databaseURL: DatabaseURL, maximumConnections: Int = 8,
            databaseTimeout: Duration = .seconds(5), healthTimeout: Duration = .seconds(2),
            clients: ConnectionLimits = ConnectionLimits(), metrics: Bool = true
        ) {
            self.metrics = metrics
            self.clients = clients
            self.healthTimeout = min(healthTimeout, databaseTimeout)
            self.host = host
            self.port = port
            self.databaseURL = databaseURL
            self.maximumConnections = maximumConnections
            self.databaseTimeout = databaseTimeout
        }
    }

    public let configuration: Configuration
    public let logger: Logger
    /// The `Server` header.
    static let serverName = "reference-backend"

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The server and its database pool as one service group; `run()` it, and stop it with
    /// `triggerGracefulShutdown()` or one of `shutdownSignals`. `onListening` receives the bound port.
    public func serviceGroup(
        shutdownSignals: [UnixSignal] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        // One connection attempt may take at most the request's deadline, and at most 10 s (PostgresNIO's
        // default): past that a new attempt does better than waiting on one that is stuck.
        let connectDeadline = min(configuration.databaseTimeout, .seconds(10))
        let connectTimeout = TimeAmount(connectDeadline)
        var poolConfiguration = try configuration.databaseURL.clientConfiguration
        poolConfiguration.options.maximumConnections = configuration.maximumConnections
        poolConfiguration.options.minimumConnections = 0
        poolConfiguration.options.connectTimeout = connectDeadline
        let client = PostgresClient(configuration: poolConfiguration, backgroundLogger: logger)
        let availability = DatabaseAvailability(logger: logger)
        let metrics = configuration.metrics ? APIMetrics() : nil
        var gateConfiguration = try configuration.databaseURL.connectionConfiguration
        gateConfiguration.options.connectTimeout = connectTimeout
        let gate = VersionGate(
            configuration: gateConfiguration,
            timeout: configuration.databaseTimeout,
            logger: logger, availability: availability, metrics: metrics)
        let documents = ReferenceDocuments(
            client: client, connections: configuration.maximumConnections, gate: gate,
            timeout: configuration.databaseTimeout, metrics: metrics, logger: logger)
        let app = Application(
            router: Self.router(
                documents: documents, client: client, timeout: configuration.databaseTimeout,
                healthTimeout: configuration.healthTimeout, availability: availability, metrics: metrics,
                logger: logger),
            server: HTTPServerBuilder { [configuration, logger] responder in
                ReferenceHTTP1Channel(
                    base: HTTP1Channel(responder: responder), gate: gate, documents: documents,
                    limits: configuration.clients,
                    clients: ClientConnections(
                        limit: configuration.clients.maximumClients, metrics: metrics, logger: logger),
                    metrics: metrics)
            },
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: Self.serverName),
            services: [client, gate],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        return ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: shutdownSignals, logger: logger))
    }

    /// Makes SwiftNIO's event loops Swift Concurrency's global executor, so the server's tasks run on the
    /// threads that do its I/O instead of hopping to the global pool and back (about 1.35x on the 304 path,
    /// BENCHMARKS.md). For a process that only serves: call it once, first, before anything blocks a task.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await serviceGroup(shutdownSignals: [.sigterm, .sigint], onListening: onListening).run()
    }
}
