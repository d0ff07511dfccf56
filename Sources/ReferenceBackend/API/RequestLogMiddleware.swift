import Hummingbird
import Logging
import PostgresSupport

/// One structured log line per request, after it is answered: method, path, status, milliseconds and the
/// layer that answered (`router`, or `fast-path` for a 304 or a built document from `DocumentFastPath`). The path is logged
/// without its query; no header or body is logged. The same answer is counted in `APIMetrics` when the server
/// has them.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        RequestLog.write(
            context.logger, metrics: metrics, method: request.method.rawValue, path: request.uri.path,
            status: response.status.code, duration: ContinuousClock.now - started,
            bodyBytes: response.body.contentLength ?? 0, gzip: response.headers[.contentEncoding] == "gzip",
            layer: .router)
        return response
    }
}

/// The request log line, written by the router's middleware and by the 304 fast path alike.
enum RequestLog {
    enum Layer: String {
        case router
        case fastPath = "fast-path"
    }

    static func write(
        _ logger: Logger, metrics: APIMetrics?, method: String, path: String, status: Int, duration: Duration,
        bodyBytes: Int, gzip: Bool, layer: Layer
    ) {
        metrics?.request(path: path, status: status, duration: duration, bodyBytes: bodyBytes, gzip: gzip)
        let milliseconds = duration.fractionalMilliseconds
        logger.debug(
            "request",
            metadata: [
                "api.method": "\(method)", "api.path": "\(path.prefix { $0 != "?" })", "api.status": "\(status)",
                "api.ms": "\(Int(milliseconds.rounded()))", "api.layer": "\(layer.rawValue)",
            ])
    }
}
