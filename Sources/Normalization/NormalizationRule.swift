import ReferenceCatalog

/// The rules of the normalization contract (NORMALIZATION.md) that a difference can name: every difference a
/// report shows carries the one under which its two values were compared. (Row identity, missing keys as
/// null, the columns not compared and admin rows are handled by the differ and named by no difference.)
public enum NormalizationRule: String, Sendable, Hashable, CaseIterable {
    /// Required text: leading and trailing Unicode White_Space removed, then Unicode NFC. Case, inner
    /// whitespace and punctuation never change.
    case textTrimNFC = "text.trim-nfc"
    /// Nullable text: as `text.trim-nfc`, and a missing key, null, "" and whitespace-only text are all null.
    case nullableTextBlankIsNull = "text.nullable-blank-is-null"
    /// Booleans: JSON true/false only; 1, 0, "true" are type differences.
    case booleanStrict = "boolean.strict"
    /// Integers: compared exactly, within the column's range.
    case integerExact = "integer.exact"
    /// Exact decimals: compared by value (1.10 = 1.1), never rounded (1.1 ≠ 1.1000001).
    case decimalExact = "decimal.exact"
    /// Ordered arrays: element by element, elements as `text.trim-nfc`; order matters.
    case arrayOrdered = "array.ordered"
    /// Set arrays: elements as `text.trim-nfc`, sorted by UTF-8 bytes, duplicates kept (so a duplicated
    /// element is a difference).
    case arraySet = "array.set"
    /// JSON objects: key order ignored; nested numbers as exact decimals, nested strings NFC (not trimmed),
    /// nested arrays in order.
    case jsonObject = "json.object"
    /// A key that is not a catalog column: always reported.
    case unknownColumn = "column.unknown"
    /// A value whose JSON type does not fit the column: always reported, never coerced.
    case typeMismatch = "type.mismatch"
    /// A row present on one side only.
    case rowPresence = "row.presence"
    /// Two rows with the same primary key on one side.
    case duplicateKey = "key.duplicate"
    /// A table with no rows on either side: nothing compared, so nothing proven.
    case emptyTable = "coverage.empty-table"

    /// The rule that governs a column's values.
    public static func rule(for column: ColumnSpec) -> NormalizationRule {
        switch column.type {
        case .text: column.isNullable ? .nullableTextBlankIsNull : .textTrimNFC
        case .boolean: .booleanStrict
        case .integer, .smallint: .integerExact
        case .numeric: .decimalExact
        case .textArray(.ordered): .arrayOrdered
        case .textArray(.set): .arraySet
        case .jsonObject: .jsonObject
        }
    }
}

/// The contract's version; every report prints it. Bump it when a rule changes meaning.
public enum NormalizationContract {
    public static let version = "1.0.0"
}
