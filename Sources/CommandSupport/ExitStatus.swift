import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import Settings

/// The exit statuses of both commands (DESIGN.md, "Command-line contract").
public enum ExitStatus: Int32, Sendable {
    /// Success; for `parity-runner`, parity holds.
    case success = 0
    /// `parity-runner` found differences.
    case differences = 1
    /// Bad input or usage: a malformed URL, option or setting, invalid source data, a guard that refused.
    case badInput = 2
    /// Infrastructure failure: the database or backend could not be reached or failed.
    case infrastructure = 3
}

/// Maps any error to its exit status: classified errors say what they are; URL and setting errors are bad
/// input; everything else (the database, the network, the throwaway cluster) is an infrastructure failure.
public func exitStatus(for error: any Error) -> ExitStatus {
    switch error {
    case let classified as any ClassifiedError:
        switch classified.failureKind {
        case .badInput: .badInput
        case .infrastructure: .infrastructure
        }
    case is DatabaseURLError, is SettingError: .badInput
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
