/// Runs a database operation with a deadline: when the database is away, the pool keeps trying to connect,
/// and a request must get its 503 in time instead of waiting for it.
func withDatabaseDeadline<T: Sendable>(
    _ duration: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw APIError.databaseTimeout(duration)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
