/// What a failure means to whoever asked: bad input (fix the data, the options or the URL) or a failing
/// dependency (the database, the backend, the machine). Libraries classify their errors with it; the
/// command line turns it into its exit status (`CommandSupport`).
public enum FailureKind: Sendable, Hashable {
    case badInput
    case infrastructure
}

/// An error that says which ``FailureKind`` it is.
public protocol ClassifiedError: Error {
    var failureKind: FailureKind { get }
}
