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

/// The routes, the health check and the response helpers they share.
extension ReferenceAPI {
    static func router(
        documents: ReferenceDocuments, client: PostgresClient, timeout: Duration, healthTimeout: Duration,
        availability: DatabaseAvailability, metrics: APIMetrics?, logger: Logger
    )
        -> Router<BasicRequestContext>
    {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(availability: availability, metrics: metrics))

        router.get("/health") { _, context in
            try await health(
                documents: documents, client: client, timeout: healthTimeout, availability: availability,
                metrics: metrics, logger: context.logger)
        }
        router.get("/api/v1/reference/version") { request, _ in
            let version = try await documents.currentVersion()
            // An ETag from the version, so a poller (parity-runner watch, a cache) revalidates with a 304.
            let etag = "\"\(version.reference.token)\""
            if let ifNoneMatch = request.headers[.ifNoneMatch], matches(ifNoneMatch, token: version.reference.token) {
                var headers = HTTPFields()
                headers[.eTag] = etag
                headers[.cacheControl] = "no-cache"
                return Response(status: .notModified, headers: headers)
            }
            var object = JSONObject()
            object.append("schemaVersion", .number(JSONNumber(version.schemaVersion)))
            object.append("referenceVersion", .string(version.reference.token))
            object.append("lastUpdated", .string(RFC3339.string(version.reference.lastUpdated)))
            var response = jsonResponse(.ok, .object(object), cacheControl: "no-cache")
            response.headers[.eTag] = etag
            return response
        }
        router.get("/api/v1/reference/bootstrap") { request, _ in
            let (document, _) = try await documents.bootstrap()
            return try conditionalResponse(document, request: request)
        }
        router.get("/api/v1/reference/{table}") { request, context in
            let name = try context.parameters.require("table")
            guard let spec = ReferenceCatalog.table(named: name) else { throw APIError.unknownTable(name) }
            switch request.uri.queryParameters.get("includeInactive") {
            case nil, "false":
                let (document, _) = try await documents.table(spec.name)
                return try conditionalResponse(document, request: request)
            case "true":
                let readerRole = try await documents.readerRole()
                return try await withDatabaseDeadline(timeout) {
                    try await inactiveIncluded(
                        spec, client: client, readerRole: readerRole, metrics: metrics, logger: context.logger)
                }
            case let other?:
                throw APIError.badRequest("includeInactive must be true or false, not '\(APIError.quoted(other))'")
            }
        }
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        if let metrics {
            router.get("/metrics") { _, context in
                await metricsResponse(
                    metrics, documents: documents, client: client, timeout: healthTimeout, logger: context.logger)
            }
        }
        return router
    }

    /// 200 with the schema version and the replication state, read through the version gate and the pool;
    /// 503 when either fails. A database that is gone fails the gate's own connection at once, so the answer
    /// does not wait out `timeout` for a pooled connection the pool cannot make (a probe with a short timeout
    /// of its own would see no answer instead of a 503).
    static func health(
        documents: ReferenceDocuments, client: PostgresClient, timeout: Duration, availability: DatabaseAvailability,
        metrics: APIMetrics?, logger: Logger
    ) async throws -> Response {
        var object = JSONObject()
        do {
            let (schema, replication) = try await withDatabaseDeadline(timeout) {
                let schema = try await documents.currentVersion().schemaVersion
                let replication = try await client.withConnection(recordingWaitIn: metrics) { connection in
                    try await connection.readReplication(logger: logger)
                }
                return (schema, replication)
            }
            availability.succeeded()
            object.append("status", "ok")
            object.append("database", "reachable")
            object.append("schemaVersion", .number(JSONNumber(schema)))
            object.append("recovery", .bool(replication.inRecovery))
            if replication.inRecovery {
                object.append(
                    "replayLagSeconds",
                    replication.lagSeconds.map { .number(JSONNumber(literal: String(format: "%.3f", $0))) } ?? .null)
                object.append("replayLagBytes", replication.lagBytes.map { .number(JSONNumber(Int($0))) } ?? .null)
            }
            return jsonResponse(.ok, .object(object), cacheControl: "no-store")
        } catch {
            availability.failed("health check", error)
            object.append("status", "unavailable")
            object.append("database", "unreachable")
            object.append(
                "error",
                .object(JSONObject(["code": "database_unavailable", "message": "the database is unreachable"])))
            return jsonResponse(.serviceUnavailable, .object(object), cacheControl: "no-store")
        }
    }

    static func inactiveIncluded(
        _ spec: TableSpec, client: PostgresClient, readerRole: Bool, metrics: APIMetrics?, logger: Logger
    ) async throws
        -> Response
    {
        let (version, rows) = try await client.withConnection(recordingWaitIn: metrics) { connection in
            try await connection.readOnlySnapshot(readerRole: readerRole, logger: logger) {
                (
                    try await connection.readVersion(logger: logger),
                    try await connection.readRowsJSON(spec, includeInactive: true, logger: logger)
                )
            }
        }
        var body = ByteBuffer(
            string: "{" + ReferenceDocuments.header(version, generatedAt: RFC3339.now())
                + ",\"table\":\"\(spec.name)\",\"rows\":")
        body.writeImmutableBuffer(rows)
        body.writeStaticString("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ value: JSONValue, cacheControl: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = cacheControl
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONWriter().string(value))))
    }

    /// 304 when `If-None-Match` names the current version; otherwise the cached bytes, gzip when accepted.
    static func conditionalResponse(_ document: CachedDocument, request: Request) throws -> Response {
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        var headers = documentHeaders(token: document.etag, gzip: gzip)
        if let ifNoneMatch = request.headers[.ifNoneMatch], matches(ifNoneMatch, token: document.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers = documentBodyHeaders(token: document.etag, gzip: gzip)
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: gzip ? try document.gzip() : document.plain))
    }

    /// The headers of a document response, 200 or 304: its ETag (per encoding), `Cache-Control` and `Vary`.
    static func documentHeaders(token: String, gzip: Bool) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = gzip ? "\"\(token)-gzip\"" : "\"\(token)\""
        headers[.cacheControl] = "public, no-cache"
        headers[.vary] = "Accept-Encoding"
        return headers
    }

    /// The headers of a document's 200: ``documentHeaders(token:gzip:)``, its type and its encoding (the router
    /// and `DocumentFastPath` add the length, `Date` and `Server`).
    static func documentBodyHeaders(token: String, gzip: Bool) -> HTTPFields {
        var headers = documentHeaders(token: token, gzip: gzip)
        headers[.contentType] = "application/json; charset=utf-8"
        if gzip { headers[.contentEncoding] = "gzip" }
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
