import PostgresSupport
import ReferenceCatalog

/// The database failed during the seed; everything was rolled back.
public struct SeedDatabaseError: Error, Sendable, CustomStringConvertible {
    /// The database's error (postgres-nio's `PSQLError`, a ``DatabaseQueryError``, ...).
    public let cause: any Error

    public init(cause: any Error) { self.cause = cause }

    /// The server's words, without bound values or connection details.
    public var reason: String { describePostgresError(cause) }
    /// The SQLSTATE, when the server sent one.
    public var sqlState: String? { postgresSQLState(cause) }

    public var description: String { "the seed failed and was rolled back, nothing was written: \(reason)" }
}

extension SeedDatabaseError: ClassifiedError {
    public var failureKind: FailureKind { .infrastructure }
}

extension SeedGuardError: ClassifiedError {
    public var failureKind: FailureKind { .badInput }
}

/// The seed was committed, but what followed (reading the new reference version) failed: the data is in
/// the database, only the report is incomplete.
public struct SeedCommittedError: Error, Sendable, CustomStringConvertible, ClassifiedError {
    public let cause: any Error

    public init(cause: any Error) { self.cause = cause }

    public var description: String {
        "the seed was committed, but reading the new reference version failed: \(describePostgresError(cause))"
    }
    public var failureKind: FailureKind { .infrastructure }
}
