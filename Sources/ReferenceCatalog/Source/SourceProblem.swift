/// One thing wrong with the source data, and exactly where: file, table, row (0-based index in the file's
/// array), primary key (when it could be read), field, and for syntax errors line and column.
public struct SourceProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case missingDirectory = "missing_directory"
        case missingFile = "missing_file"
        case unknownFile = "unknown_file"
        case syntax
        case shape
        case unknownKey = "unknown_key"
        case missingKey = "missing_key"
        case nullInRequired = "null_in_required"
        case type
        case inexactDecimal = "inexact_decimal"
        case outOfRange = "out_of_range"
        case invalidSlug = "invalid_slug"
        case check
        case duplicateKey = "duplicate_key"
        case duplicateUnique = "duplicate_unique"
        case unresolvedReference = "unresolved_reference"
        /// Text PostgreSQL cannot store (a NUL character).
        case invalidText = "invalid_text"
        /// A key value longer than an index entry allows.
        case tooLong = "too_long"
        /// A table the document must have is missing, or a wrapper field is wrong.
        case missingTable = "missing_table"
    }

    public let kind: Kind
    public let file: String
    public let table: String?
    public let row: Int?
    public let key: String?
    public let field: String?
    public let line: Int?
    public let column: Int?
    public let message: String

    public init(
        _ kind: Kind, file: String, table: String? = nil, row: Int? = nil, key: String? = nil, field: String? = nil,
        line: Int? = nil, column: Int? = nil, message: String
    ) {
        self.kind = kind
        self.file = file
        self.table = table
        self.row = row
        self.key = key
        self.field = field
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: table[row] key=(...) field: message`, leaving out what is unknown.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        var parts = [location]
        if let table, file != table + ".json" { parts.append("table \(table)") }
        if let row { parts.append("row \(row)") }
        if let key { parts.append("key (\(key))") }
        if let field { parts.append("field \(field)") }
        return parts.joined(separator: " ") + ": " + message
    }
}

/// The source data is not valid. Carries every problem found, not just the first.
public struct SourceValidationError: Error, Sendable, CustomStringConvertible {
    public let problems: [SourceProblem]

    public init(problems: [SourceProblem]) { self.problems = problems }

    public var description: String {
        let shown = problems.prefix(200).map { "  " + $0.description }.joined(separator: "\n")
        let more = problems.count > 200 ? "\n  ... and \(problems.count - 200) more" : ""
        return "the reference source has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + shown + more
    }
}

extension SourceValidationError: ClassifiedError {
    public var failureKind: FailureKind { .badInput }
}
