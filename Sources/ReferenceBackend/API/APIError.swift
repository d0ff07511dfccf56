import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// Every 4xx and 5xx of the API: one JSON shape, `{"error": {"code", "message"}}`, and the right status.
/// Messages never carry SQL, stack traces or connection strings.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]
    /// The kind `/metrics` counts it under when it is not the code (`database_timeout`).
    var reason: String?

    /// What `reference_api_errors_total` counts this error as.
    var metricKind: String { reason ?? code }

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func notFound(_ path: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "no such resource: \(quoted(path))")
    }

    static func unknownTable(_ name: String) -> APIError {
        APIError(
            status: .notFound, code: "unknown_table",
            message: "'\(quoted(name))' is not a reference table; see /api/v1/reference/bootstrap for the list")
    }

    /// At most the first 100 characters of something a client sent, so an error never echoes a huge path
    /// or value back.
    static func quoted(_ text: some StringProtocol) -> String {
        let limit = 100
        guard text.count > limit else { return String(text) }
        return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method) -> APIError {
        APIError(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "\(method.rawValue) is not allowed; this API is read-only (GET, HEAD)",
            headers: [.allow: "GET, HEAD"])
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    static func databaseUnavailable(_ message: String = "the database is unavailable") -> APIError {
        APIError(status: .serviceUnavailable, code: "database_unavailable", message: message)
    }

    /// The database did not answer within `duration`: a 503 like any unavailable database, counted apart.
    static func databaseTimeout(_ duration: Duration) -> APIError {
        var error = databaseUnavailable("the database did not answer within \(duration)")
        error.reason = "database_timeout"
        return error
    }

    static let internalError = APIError(
        status: .internalServerError, code: "internal_error", message: "an internal error occurred; see the server log")

    /// The JSON body.
    var body: ByteBuffer {
        var error = JSONObject()
        error.append("code", .string(code))
        error.append("message", .string(message))
        return ByteBuffer(string: JSONWriter().string(.object(JSONObject(["error": .object(error)]))))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }
}

/// Turns every error into the one JSON shape: API errors as they are, the router's own (404) mapped, and
/// anything else (database failures included) logged and answered with a 503 or 500 that names no detail.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let availability: DatabaseAvailability
    let metrics: APIMetrics?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            metrics?.error(error.metricKind)
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let mapped: APIError =
                switch error.status {
                // The API is read-only: any other method, known to the router or not (POST, TRACE, QUERY,
                // PROPFIND...), is 405 with Allow wherever it is sent.
                case .notFound where request.method != .get && request.method != .head:
                    .methodNotAllowed(request.method)
                case .notFound: .notFound(request.uri.path)
                case .methodNotAllowed: .methodNotAllowed(request.method)
                default:
                    APIError(
                        status: error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
                }
            metrics?.error(mapped.metricKind)
            return try mapped.response(from: request, context: context)
        } catch {
            let unavailable = isDatabaseFailure(error)
            if unavailable {
                availability.failed("request \(request.uri.path.prefix(100))", error)
            } else {
                context.logger.error(
                    "request failed",
                    metadata: [
                        "api.path": "\(request.uri.path.prefix(100))", "api.error": "\(describePostgresError(error))",
                    ])
            }
            let answer = unavailable ? APIError.databaseUnavailable() : .internalError
            metrics?.error(answer.metricKind)
            return try answer.response(from: request, context: context)
        }
    }

    private func isDatabaseFailure(_ error: any Error) -> Bool {
        error is DatabaseUnavailableError || error is DatabaseQueryError || error is PSQLError
    }
}

extension APIError {
    /// A request whose head or body did not arrive within `ConnectionLimits.requestTimeout`.
    static func requestTimeout(_ limit: Duration) -> APIError {
        APIError(
            status: .init(code: 408, reasonPhrase: "Request Timeout"), code: "request_timeout",
            message: "the request did not arrive within \(limit.components.seconds) s")
    }

    /// A connection past `ConnectionLimits.maximumClients` while every open one has a request in progress.
    static func tooManyClients(_ limit: Int) -> APIError {
        APIError(
            status: .serviceUnavailable, code: "too_many_connections",
            message: "the server has \(limit) connections busy; try again shortly")
    }

    /// A request the HTTP/1 decoder rejected: the closest status, and what was wrong.
    static func unparsable(_ error: HTTPParserError) -> APIError {
        switch error {
        case .invalidMethod:
            APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "the request method is not one this API knows; it is read-only (GET, HEAD)",
                headers: [.allow: "GET, HEAD"])
        case .invalidVersion:
            APIError(
                status: .init(code: 505, reasonPhrase: "HTTP Version Not Supported"),
                code: "http_version_not_supported", message: "this server speaks HTTP/1.0 and HTTP/1.1")
        case .headerOverflow:
            APIError(
                status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "request_too_large",
                message: "the request line and headers are larger than the server accepts")
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort:
            .badRequest("the request target is not a valid path")
        default:
            .badRequest("the request is not valid HTTP/1.1 (\(error))")
        }
    }
}
