import ReferenceCatalog

/// Why a parity run could not compare at all (as opposed to finding differences).
public enum ParityError: Error, Sendable, CustomStringConvertible {
    case unknownTables([String])
    /// A step failed for a reason outside the data; `cause` is the underlying error, when there is one.
    case infrastructure(step: String, reason: String, cause: (any Error)?)

    public var description: String {
        switch self {
        case .unknownTables(let names):
            "unknown table\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", ")): "
                + "use one of the catalog's 20 tables (see NORMALIZATION.md)"
        case .infrastructure(let step, let reason, _): "\(step) failed: \(reason)"
        }
    }
}

extension ParityError: ClassifiedError {
    public var failureKind: FailureKind {
        switch self {
        case .unknownTables: .badInput
        case .infrastructure: .infrastructure
        }
    }
}
