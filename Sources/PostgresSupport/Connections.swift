import Logging
import PostgresNIO

/// The database could not be reached (connection refused, TLS, authentication): names the server (password
/// redacted) and keeps the cause.
public struct DatabaseUnavailableError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    /// The underlying error (postgres-nio's `PSQLError`, say), with its code and the server's fields.
    public let cause: (any Error)?

    public init(url: String, reason: String, cause: (any Error)? = nil) {
        self.url = url
        self.reason = reason
        self.cause = cause
    }

    public var description: String { "cannot use the database at \(url): \(reason)" }

    /// The SQLSTATE of the cause, when the server sent one.
    public var sqlState: String? { cause.flatMap(postgresSQLState) }
}

extension DatabaseURL {
    /// Opens one connection; failures become ``DatabaseUnavailableError``.
    public func connect(logger: Logger) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try connectionConfiguration
        } catch {
            throw DatabaseUnavailableError(url: description, reason: "TLS set-up failed: \(error)", cause: error)
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw DatabaseUnavailableError(url: description, reason: describePostgresError(error), cause: error)
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
            throw DatabaseQueryError(statement: sql, cause: error)
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

extension DatabaseURL {
    /// Creates a database on the server of this URL (its user needs CREATEDB), optionally as a copy of
    /// `template` (`CREATE DATABASE ... TEMPLATE`).
    public func createDatabase(_ name: String, template: String? = nil, logger: Logger) async throws {
        var statement = "CREATE DATABASE " + quoteIdentifier(name)
        if let template { statement += " TEMPLATE " + quoteIdentifier(template) }
        do {
            try await withConnection(logger: logger) { connection in
                try await connection.execute(statement, logger: logger)
            }
        } catch let error as PSQLError {
            throw DatabaseQueryError(statement: statement, cause: error)
        }
    }
}
