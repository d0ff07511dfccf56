import Logging
import PostgresNIO
import ThrowawayPostgres

/// The database could not be reached or used; names the server (password redacted) and the cause.
public struct DatabaseUnavailableError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "cannot use the database at \(url): \(reason)" }
}

extension DatabaseURL {
    /// Opens one connection; failures become ``DatabaseUnavailableError``.
    public func connect(logger: Logger) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try connectionConfiguration
        } catch {
            throw DatabaseUnavailableError(url: description, reason: "TLS set-up failed: \(error)")
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw DatabaseUnavailableError(url: description, reason: describePostgresError(error))
        }
    }

    /// Runs `body` with one connection, closing it afterwards.
    public func withConnection<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension PostgresConnection {
    /// The rows of a query with one text column (NULL as "NULL"); a server error says what and where.
    public func strings(_ sql: String, logger: Logger) async throws -> [String] {
        do {
            var result: [String] = []
            let rows = try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await value in rows.decode(String?.self) { result.append(value ?? "NULL") }
            return result
        } catch let error as PSQLError {
            throw DatabaseUnavailableError(url: "(query)", reason: "\(describePostgresError(error)) in: \(sql)")
        }
    }

    /// Runs one statement that takes no parameters and returns nothing (DDL, transaction control).
    public func execute(_ sql: String, logger: Logger) async throws {
        try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Runs `body` inside BEGIN ... COMMIT, rolling back when it throws.
    public func inTransaction<Result>(
        _ begin: String = "BEGIN", logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await execute(begin, logger: logger)
        do {
            let result = try await body()
            try await execute("COMMIT", logger: logger)
            return result
        } catch {
            try? await execute("ROLLBACK", logger: logger)
            throw error
        }
    }
}

extension DatabaseUnavailableError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .infrastructure }
}
