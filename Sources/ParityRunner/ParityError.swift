import ReferenceBackend

/// Why a parity run could not compare at all (as opposed to finding differences).
public enum ParityError: Error, Sendable, CustomStringConvertible {
    case unknownTables([String])
    case infrastructure(step: String, reason: String)

    public var description: String {
        switch self {
        case .unknownTables(let names):
            "unknown table\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", ")): "
                + "use one of the catalog's 20 tables (see NORMALIZATION.md)"
        case .infrastructure(let step, let reason): "\(step) failed: \(reason)"
        }
    }
}

extension ParityError: ExitStatusProviding {
    public var exitStatus: ExitStatus {
        switch self {
        case .unknownTables: .badInput
        case .infrastructure: .infrastructure
        }
    }
}
