import Hummingbird
import Logging
import ThrowawayPostgres

/// One structured log line per request, after it is answered: method, path, status, milliseconds. The path
/// is logged without its query; no header or body is logged.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let milliseconds = (ContinuousClock.now - started).fractionalMilliseconds
        context.logger.info(
            "request",
            metadata: [
                "api.method": "\(request.method.rawValue)", "api.path": "\(request.uri.path)",
                "api.status": "\(response.status.code)", "api.ms": "\(Int(milliseconds.rounded()))",
            ])
        return response
    }
}
