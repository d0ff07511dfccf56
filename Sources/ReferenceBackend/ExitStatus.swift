/// The exit statuses of both commands (DESIGN.md, "Command-line contract").
public enum ExitStatus: Int32, Sendable {
    /// Success; for `parity-runner`, parity holds.
    case success = 0
    /// `parity-runner` found differences.
    case differences = 1
    /// Bad input or usage: a malformed URL or option, invalid source data, a guard that refused to run.
    case badInput = 2
    /// Infrastructure failure: the database or backend could not be reached or failed.
    case infrastructure = 3
}

/// An error that knows which exit status it stands for.
public protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}
