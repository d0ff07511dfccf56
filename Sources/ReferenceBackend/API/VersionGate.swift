import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresSupport
import ServiceLifecycle
import Synchronization

/// The API's one way to learn the current reference version, so a change committed in the database shows
/// on the next request.
///
/// Every caller waits for a query that started after it asked ("single flight"): callers that arrive while a
/// query runs share the next one, so the database sees one query per batch of concurrent requests, and no
/// request is ever answered with a version older than its own arrival. Callers wait with `async`/`await`
/// (the router) or with an event-loop future (`DocumentFastPath`, below the router).
///
/// Every request waits for one of these queries, so they take the shortest road: a connection of the gate's
/// own (no pool lease), a prepared statement (no parse and plan per query), and a deadline scheduled on the
/// event loop (no task group per query). The query's task runs on the gate's event loop too
/// (`EventLoopTaskExecutor`), not on Swift Concurrency's shared pool, which CPU-bound work elsewhere in the
/// process may keep busy for longer than the deadline. The connection is opened on first use and again after
/// a failure; a query that does not answer within the timeout fails its batch and closes the connection. As a
/// `Service`, the gate closes its connection when the server shuts down.
final class VersionGate: Service, Sendable {
    private enum Waiter {
        case promise(EventLoopPromise<VersionInfo>)
        case continuation(CheckedContinuation<VersionInfo, any Error>)

        func resume(with result: Result<VersionInfo, any Error>) {
            switch self {
            case .promise(let promise): promise.completeWith(result)
            case .continuation(let continuation): continuation.resume(with: result)
            }
        }
    }

    private struct State {
        var waiting: [Waiter] = []
        var checking = false
        var connection: PostgresConnection?
        var connections = 0
        var shutDown = false
    }

    private let configuration: PostgresConnection.Configuration
    private let eventLoop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private let timeout: Duration
    private let logger: Logger
    private let availability: DatabaseAvailability
    private let metrics: APIMetrics?
    private let state = Mutex(State())

    init(
        configuration: PostgresConnection.Configuration, timeout: Duration, logger: Logger,
        availability: DatabaseAvailability? = nil, metrics: APIMetrics? = nil,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) {
        self.metrics = metrics
        self.availability = availability ?? DatabaseAvailability(logger: logger)
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.timeout = timeout
        self.logger = logger
    }

    /// The current version, read by a query that started after this call.
    func current() async throws -> VersionInfo {
        try await withCheckedThrowingContinuation { continuation in enqueue(.continuation(continuation)) }
    }

    /// The current version, read by a query that started after this call, completed on `eventLoop`.
    func current(on eventLoop: any EventLoop) -> EventLoopFuture<VersionInfo> {
        let promise = eventLoop.makePromise(of: VersionInfo.self)
        enqueue(.promise(promise))
        return promise.futureResult
    }

    /// Waits for the server's shutdown, then closes the connection; later callers get an error.
    func run() async throws {
        try? await gracefulShutdown()
        let connection = state.withLock { state in
            state.shutDown = true
            defer { state.connection = nil }
            return state.connection
        }
        try? await connection?.close()
    }

    private func enqueue(_ waiter: Waiter) {
        let startChecking = state.withLock { state in
            state.waiting.append(waiter)
            if state.checking { return false }
            state.checking = true
            return true
        }
        if startChecking { checkNextBatch() }
    }

    /// Starts one query for everybody waiting now; when it settles, the next batch gets its own query.
    private func checkNextBatch() {
        let (batch, connection, shutDown) = state.withLock { state in
            let batch = state.waiting
            state.waiting = []
            if batch.isEmpty { state.checking = false }
            return (batch, state.connection, state.shutDown)
        }
        if batch.isEmpty { return }
        if shutDown {
            settle(batch, .failure(APIError.databaseUnavailable("the server is shutting down")), closing: nil)
            return
        }
        // Whichever comes first, the answer or the deadline, settles the batch.
        let settled = Once()
        let started = ContinuousClock.now
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            guard settled.claim() else { return }
            self.metrics?.waitedForVersion(ContinuousClock.now - started)
            self.settle(
                batch, .failure(APIError.databaseTimeout(self.timeout)),
                closing: connection)
        }
        let query = eventLoop.makePromise(of: VersionInfo.self)
        Task(executorPreference: executor) {
            do { query.succeed(try await self.readVersion(on: connection)) } catch { query.fail(error) }
        }
        query.futureResult.whenComplete { result in
            guard settled.claim() else { return }
            deadline.cancel()
            self.metrics?.waitedForVersion(ContinuousClock.now - started)
            if case .failure = result {
                self.settle(batch, result, closing: self.state.withLock { $0.connection })
            } else {
                self.settle(batch, result, closing: nil)
            }
        }
    }

    /// Answers a batch, drops a connection that failed, and starts the next batch.
    private func settle(
        _ batch: [Waiter], _ result: Result<VersionInfo, any Error>, closing failed: PostgresConnection?
    ) {
        switch result {
        case .failure(let error): availability.failed("version read", error)
        case .success: availability.succeeded()
        }
        if let failed {
            state.withLock { state in if state.connection === failed { state.connection = nil } }
            let _: EventLoopFuture<Void> = failed.close()
        }
        for waiter in batch { waiter.resume(with: result) }
        checkNextBatch()
    }

    /// Runs the version statement on the gate's connection, opening it first when there is none.
    private func readVersion(on existing: PostgresConnection?) async throws -> VersionInfo {
        let connection: PostgresConnection
        if let existing, !existing.isClosed {
            connection = existing
        } else {
            let number = state.withLock { state in
                state.connections += 1
                return state.connections
            }
            connection = try await PostgresConnection.connect(
                on: eventLoop, configuration: configuration, id: number, logger: logger)
            state.withLock { $0.connection = connection }
        }
        for try await row in try await connection.execute(VersionStatement(), logger: logger) {
            return try VersionInfo(row: row)
        }
        throw APIError.databaseUnavailable("reference_metadata has no row: is the database migrated?")
    }
}

/// Runs a task's jobs on one event loop: a task that only waits for that loop's I/O never needs a thread of
/// Swift Concurrency's shared pool.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// True for the first caller of `claim()` only.
private final class Once: Sendable {
    private let done = Atomic(false)
    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}

/// `ReferenceQueries.versionQuery` as a prepared statement: parsed and planned once per connection.
struct VersionStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static let sql = ReferenceQueries.versionQuery
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension VersionInfo {
    /// A row of `ReferenceQueries.versionQuery`.
    init(row: PostgresRow) throws {
        let (sequence, content, lastUpdated, schema) = try row.decode((Int64, String, Date, Int64).self)
        self.init(
            schemaVersion: Int(schema),
            reference: ReferenceVersion(
                sequence: sequence, content: content, lastUpdated: lastUpdated)
        )
    }
}
