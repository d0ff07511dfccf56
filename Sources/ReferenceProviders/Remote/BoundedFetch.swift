import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension URLSession {
    /// A session for reference data: no URL cache (every answer is revalidated by ETag, never served from a
    /// local store), `request` seconds per request and `resource` seconds in all (what ``boundedData(for:margin:)``
    /// bounds itself by).
    public static func uncached(request: TimeInterval, resource: TimeInterval) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = request
        configuration.timeoutIntervalForResource = resource
        return URLSession(configuration: configuration)
    }

    /// `data(for:)` that always ends: by the answer, or by the session's own resource timeout plus
    /// `margin`, whichever comes first. On Linux, FoundationNetworking has been seen to lose a transfer (the
    /// test process idle, no timer left, sockets in CLOSE-WAIT: the request's own timeout never fired, and
    /// the awaiting task waited for ever); past the deadline the transfer is cancelled and abandoned, and the
    /// caller gets `URLError(.timedOut)` like any timeout.
    public func boundedData(for request: URLRequest, margin: TimeInterval = 5) async throws -> (Data, URLResponse) {
        let limit = min(configuration.timeoutIntervalForResource, 86_400) + margin
        let outcome = OnceOutcome<(Data, URLResponse)>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.attach(continuation)
            let transfer = Task {
                do { outcome.finish(.success(try await self.data(for: request))) } catch {
                    outcome.finish(.failure(error))
                }
            }
            let deadline = Task {
                try await Task.sleep(for: .milliseconds(Int(limit * 1000)))
                if outcome.finish(.failure(URLError(.timedOut))) { transfer.cancel() }
            }
            Task {
                _ = await transfer.result
                deadline.cancel()
            }
        }
    }
}

/// A continuation resumed by the first of several finishers.
final class OnceOutcome<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, any Error>?, done: Bool)>((nil, false))

    func attach(_ continuation: CheckedContinuation<Value, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Resumes with `result` if nobody did; true when this call did.
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}
