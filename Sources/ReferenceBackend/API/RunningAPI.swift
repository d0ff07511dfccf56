import Foundation
import Logging
import PostgresSupport
import ReferenceCatalog
import ServiceLifecycle

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
    /// logger's own level through (request lines are `info`). Its only clients are in this process, on a
    /// machine that may be busy, so a request waits up to `databaseTimeout` (default 30 s) for the database,
    /// and `/health` up to 10 s (these cover a slow database; one that is away fails at once, or, for
    /// `/health`, when the pool gives up at that deadline).
    public static func start(
        databaseURL: DatabaseURL, logger: Logger, requestLog: Bool = false,
        databaseTimeout: Duration = .seconds(30), clients: ConnectionLimits = ConnectionLimits(),
        maximumConnections: Int = 4, metrics: Bool = true
    ) async throws
        -> RunningAPI
    {
        var serverLogger = logger
        if !requestLog { serverLogger.logLevel = max(logger.logLevel, .warning) }
        let api = ReferenceAPI(
            configuration: .init(
                host: "127.0.0.1", port: 0, databaseURL: databaseURL, maximumConnections: maximumConnections,
                databaseTimeout: databaseTimeout, healthTimeout: .seconds(10), clients: clients,
                metrics: metrics),
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
        throw APIServerError.stoppedBeforeListening(database: "\(databaseURL)")
    }

    /// Stops the server gracefully and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Runs `body`, then stops the server however `body` ends.
    public func withStop<T: Sendable>(_ body: (RunningAPI) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// The in-process API server could not be started.
public enum APIServerError: Error, Sendable, CustomStringConvertible, ClassifiedError {
    /// The server ended without an error before it listened.
    case stoppedBeforeListening(database: String)

    public var description: String {
        switch self {
        case .stoppedBeforeListening(let database):
            "the API server for \(database) stopped before it listened"
        }
    }
    public var failureKind: FailureKind { .infrastructure }
}
