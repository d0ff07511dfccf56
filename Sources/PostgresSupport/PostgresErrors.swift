import PostgresNIO

/// What a PostgreSQL error says, without the bound values or the connection details: severity, SQLSTATE,
/// message, detail, hint and the constraint or table it names. `PSQLError`'s own description hides all of it
/// on purpose; this shows the server's words, which name no secret.
public func describePostgresError(_ error: any Error) -> String {
    guard let psql = error as? PSQLError else { return "\(error)" }
    if let info = psql.serverInfo {
        var text = "\(info[.severity] ?? "ERROR"): \(info[.message] ?? "unknown error")"
        if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
        if let detail = info[.detail] { text += "; detail: \(detail)" }
        if let hint = info[.hint] { text += "; hint: \(hint)" }
        if let table = info[.tableName], let constraint = info[.constraintName] {
            text += "; table \(table), constraint \(constraint)"
        }
        return text
    }
    switch psql.code {
    case .connectionError, .serverClosedConnection, .uncleanShutdown:
        return "connection failed\(psql.underlying.map { ": \($0)" } ?? "")"
    default:
        return "\(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")"
    }
}

/// The SQLSTATE of a server error, if `error` is one.
public func postgresSQLState(_ error: any Error) -> String? {
    (error as? PSQLError)?.serverInfo?[.sqlState]
}

/// A statement failed on a connection that works: the statement (its first 200 characters), the SQLSTATE
/// and the server's words, and the underlying error itself.
public struct DatabaseQueryError: Error, Sendable, CustomStringConvertible {
    public let statement: String
    public let cause: any Error

    public init(statement: String, cause: any Error) {
        self.statement = String(statement.prefix(200))
        self.cause = cause
    }

    /// The server's SQLSTATE (`42P04` duplicate database, `55P03` lock not available, ...).
    public var sqlState: String? { postgresSQLState(cause) }
    /// The server's words, without bound values or connection details.
    public var reason: String { describePostgresError(cause) }

    public var description: String { "\(reason) in: \(statement)" }
}

/// Quotes a SQL identifier (`"name"`, with embedded quotes doubled).
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
