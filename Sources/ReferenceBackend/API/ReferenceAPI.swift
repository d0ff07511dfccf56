import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ReferenceCatalog
import ServiceLifecycle
import ThrowawayPostgres
import UnixSignals

/// The read-only reference API (DESIGN.md, "API contract"):
///
/// * `GET /health`: 200 with the database reachable, 503 with a JSON body when not.
/// * `GET /api/v1/reference/version`: `{schemaVersion, referenceVersion, lastUpdated}`.
/// * `GET /api/v1/reference/bootstrap`: all 20 tables, active rows, one snapshot.
/// * `GET /api/v1/reference/{table}`: one table; `?includeInactive=true` adds inactive rows and `is_active`.
/// * `GET /openapi.yaml`: the OpenAPI document.
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

        public init(
            host: String = "127.0.0.1", port: Int = 8080, databaseURL: DatabaseURL, maximumConnections: Int = 8,
            databaseTimeout: Duration = .seconds(5)
        ) {
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
        var poolConfiguration = try configuration.databaseURL.clientConfiguration
        poolConfiguration.options.maximumConnections = configuration.maximumConnections
        poolConfiguration.options.minimumConnections = 0
        let client = PostgresClient(configuration: poolConfiguration, backgroundLogger: logger)
        let gate = VersionGate(
            configuration: try configuration.databaseURL.connectionConfiguration,
            timeout: configuration.databaseTimeout,
            logger: logger)
        let documents = ReferenceDocuments(
            client: client, gate: gate, timeout: configuration.databaseTimeout, logger: logger)
        let app = Application(
            router: Self.router(
                documents: documents, client: client, timeout: configuration.databaseTimeout, logger: logger),
            server: HTTPServerBuilder { responder in
                FastPathHTTP1Channel(base: HTTP1Channel(responder: responder), gate: gate)
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

    static func router(
        documents: ReferenceDocuments, client: PostgresClient, timeout: Duration, logger: Logger
    )
        -> Router<BasicRequestContext>
    {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware())

        router.get("/health") { _, context in
            try await health(client: client, timeout: min(timeout, .seconds(2)), logger: context.logger)
        }
        router.get("/api/v1/reference/version") { _, _ in
            let version = try await documents.currentVersion()
            var object = JSONObject()
            object.append("schemaVersion", .number(JSONNumber(version.schemaVersion)))
            object.append("referenceVersion", .string(version.reference.token))
            object.append("lastUpdated", .string(RFC3339.string(version.reference.lastUpdated)))
            return jsonResponse(.ok, .object(object), cacheControl: "no-cache")
        }
        router.get("/api/v1/reference/bootstrap") { request, _ in
            let (document, _) = try await documents.bootstrap()
            return conditionalResponse(document, request: request)
        }
        router.get("/api/v1/reference/{table}") { request, context in
            let name = try context.parameters.require("table")
            guard let spec = ReferenceCatalog.table(named: name) else { throw APIError.unknownTable(name) }
            switch request.uri.queryParameters.get("includeInactive") {
            case nil, "false":
                let (document, _) = try await documents.table(spec.name)
                return conditionalResponse(document, request: request)
            case "true":
                let readerRole = try await documents.readerRole()
                return try await withDatabaseDeadline(timeout) {
                    try await inactiveIncluded(spec, client: client, readerRole: readerRole, logger: context.logger)
                }
            case let other?:
                throw APIError.badRequest("includeInactive must be true or false, not '\(other)'")
            }
        }
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        for path in [
            "/health", "/api/v1/reference/version", "/api/v1/reference/bootstrap", "/api/v1/reference/{table}",
            "/openapi.yaml",
        ] {
            for method in [HTTPRequest.Method.post, .put, .patch, .delete, .options] {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(request.method)
                }
            }
        }
        return router
    }

    static func health(client: PostgresClient, timeout: Duration, logger: Logger) async throws -> Response {
        var object = JSONObject()
        do {
            let schema = try await withDatabaseDeadline(timeout) {
                try await client.withConnection { connection in
                    try await connection.readVersion(logger: logger).schemaVersion
                }
            }
            object.append("status", "ok")
            object.append("database", "reachable")
            object.append("schemaVersion", .number(JSONNumber(schema)))
            return jsonResponse(.ok, .object(object), cacheControl: "no-store")
        } catch {
            logger.warning(
                "health check: database unreachable", metadata: ["api.error": "\(describePostgresError(error))"])
            object.append("status", "unavailable")
            object.append("database", "unreachable")
            object.append(
                "error",
                .object(JSONObject(["code": "database_unavailable", "message": "the database is unreachable"])))
            return jsonResponse(.serviceUnavailable, .object(object), cacheControl: "no-store")
        }
    }

    static func inactiveIncluded(
        _ spec: TableSpec, client: PostgresClient, readerRole: Bool, logger: Logger
    ) async throws
        -> Response
    {
        let (version, rows) = try await client.withConnection { connection in
            try await connection.readOnlySnapshot(readerRole: readerRole, logger: logger) {
                (
                    try await connection.readVersion(logger: logger),
                    try await connection.readRowsJSON(spec, includeInactive: true, logger: logger)
                )
            }
        }
        let body =
            "{" + ReferenceDocuments.header(version, generatedAt: RFC3339.now())
            + ",\"table\":\"\(spec.name)\",\"rows\":" + rows + "}"
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ value: JSONValue, cacheControl: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = cacheControl
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONWriter().string(value))))
    }

    /// 304 when `If-None-Match` names the current version; otherwise the cached bytes, gzip when accepted.
    static func conditionalResponse(_ document: CachedDocument, request: Request) -> Response {
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        var headers = documentHeaders(token: document.etag, gzip: gzip)
        if let ifNoneMatch = request.headers[.ifNoneMatch], matches(ifNoneMatch, token: document.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        if gzip { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip ? document.gzip : document.plain))
    }

    /// The headers of a document response, 200 or 304: its ETag (per encoding), `Cache-Control` and `Vary`.
    static func documentHeaders(token: String, gzip: Bool) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = gzip ? "\"\(token)-gzip\"" : "\"\(token)\""
        headers[.cacheControl] = "public, no-cache"
        headers[.vary] = "Accept-Encoding"
        return headers
    }

    /// Whether `If-None-Match` lists this version (in either encoding's ETag, weak or strong), or `*`.
    static func matches(_ header: String, token: String) -> Bool {
        for entry in header.split(separator: ",") {
            var tag = entry.drop { $0 == " " || $0 == "\t" }
            while let last = tag.last, last == " " || last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag.first == "\"" { tag = tag.dropFirst() }
            if tag.last == "\"" { tag = tag.dropLast() }
            if tag.hasSuffix("-gzip") { tag = tag.dropLast(5) }
            if tag == token { return true }
        }
        return false
    }

    /// Whether `Accept-Encoding` accepts gzip (and does not give it q=0).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pieces.first == "gzip" || pieces.first == "x-gzip" else { continue }
            if let q = pieces.dropFirst().first(where: { $0.hasPrefix("q=") }), Double(q.dropFirst(2)) == 0 {
                return false
            }
            return true
        }
        return false
    }
}
