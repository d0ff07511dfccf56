import Foundation
import Logging
import ServiceLifecycle
import ThrowawayPostgres

/// The reference API served inside this process on an ephemeral 127.0.0.1 port (parity-runner's default,
/// and the live server of the tests).
public final class RunningAPI: Sendable {
    public let baseURL: URL
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(baseURL: URL, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.group = group
        self.task = task
    }

    /// Starts the server. Its log lines go to `logger`, from warnings up unless `requestLog` lets the
    /// logger's own level through (request lines are `info`).
    public static func start(
        databaseURL: DatabaseURL, logger: Logger, requestLog: Bool = false
    ) async throws
        -> RunningAPI
    {
        var serverLogger = logger
        if !requestLog { serverLogger.logLevel = max(logger.logLevel, .warning) }
        let api = ReferenceAPI(
            configuration: .init(host: "127.0.0.1", port: 0, databaseURL: databaseURL, maximumConnections: 4),
            logger: serverLogger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let group = try api.serviceGroup { port in continuation.yield(port) }
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await port in ports {
            return RunningAPI(baseURL: URL(string: "http://127.0.0.1:\(port)")!, group: group, task: task)
        }
        // The server ended before it listened: surface its error.
        try await task.value
        throw DatabaseUnavailableError(url: "\(databaseURL)", reason: "the API server stopped before it listened")
    }

    /// Stops the server gracefully and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
