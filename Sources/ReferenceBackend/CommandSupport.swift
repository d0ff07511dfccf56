import PostgresNIO
import ThrowawayPostgres

/// Maps any error to its exit status: typed errors say theirs; URL errors are bad input; everything else
/// (the database, the network, the throwaway cluster) is an infrastructure failure.
public func exitStatus(for error: any Error) -> ExitStatus {
    switch error {
    case let classified as any ExitStatusProviding: classified.exitStatus
    case is DatabaseURLError: .badInput
    case is PostgresCommandError: .infrastructure
    default: .infrastructure
    }
}

/// A one-paragraph message for any error, without secrets.
public func message(for error: any Error) -> String {
    switch error {
    case is PSQLError: describePostgresError(error)
    default: "\(error)"
    }
}
